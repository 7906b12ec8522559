ALTER TABLE bud.InferenceRollup_local ON CLUSTER budmetrics MODIFY SETTING merge_selector_base = 20;

ALTER TABLE bud.InferenceRollupDaily_local ON CLUSTER budmetrics MODIFY SETTING merge_selector_base = 20;

ALTER TABLE bud.InferenceSecondCounts_local ON CLUSTER budmetrics MODIFY SETTING merge_selector_base = 20;

ALTER TABLE bud.InferenceSecondCountsDaily_local ON CLUSTER budmetrics MODIFY SETTING merge_selector_base = 20;

