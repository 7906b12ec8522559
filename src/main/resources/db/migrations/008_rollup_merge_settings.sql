-- How eagerly the engine merges the rollup tables' parts (docs/DATABASE_SCHEMA.md, "Merges of the rollups"). Every
-- insert into ModelInferenceDetails writes one small part into each rollup table (a few hundred rows: the block's
-- series and grains), next to a current partition of a few thousand to a few hundred thousand rows. With the default
-- merge_selector_base (5) the engine merged nearly every new part into the partition's big part at once: measured
-- under HTTP ingest, the big part of InferenceRollupDaily had been rewritten 2,558 times (its level), and merges took a
-- third of the service's CPU. At 20 the engine waits until a range of parts of similar size has gathered, so each row
-- is rewritten a few times instead of at every insert; the rollups keep a few dozen parts per partition more, which
-- their queries add up anyway (GROUP BY, or FINAL for InferenceSecondCountsDaily). ModelInferenceDetails keeps the
-- default: its inserts are thousands of rows, the size ratio that the default suits.
ALTER TABLE ${database}.InferenceRollup MODIFY SETTING merge_selector_base = 20;
ALTER TABLE ${database}.InferenceRollupDaily MODIFY SETTING merge_selector_base = 20;
ALTER TABLE ${database}.InferenceSecondCounts MODIFY SETTING merge_selector_base = 20;
ALTER TABLE ${database}.InferenceSecondCountsDaily MODIFY SETTING merge_selector_base = 20;
