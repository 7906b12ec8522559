package ai.bud.metrics.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a chaos sender sent and what it was told, one line per item, for the counter to compare with what was stored:
 * {@code #project <uuid>} and {@code #note <text>} header lines, then tab-separated items
 * {@code key kind ack streamEntryId expect label}.
 *
 * @param projects the projects whose rows the counter looks at
 * @param notes    what the sender saw (answers, retries), for the table's notes
 */
record ChaosLedger(List<String> projects, List<String> notes, List<Item> items) {

    /** No acknowledgement: the sender gave up (or never got an answer). */
    static final String NONE = "-";

    enum Kind {
        /** An event with an inference id: stored when a row has it. */
        EVENT,
        /** A stream entry without a usable event (not JSON, no data field): only a dead letter can account for it. */
        ENTRY
    }

    enum Expect {
        STORED, DEAD_LETTERED
    }

    /**
     * One thing sent. {@code key}: the inference id of an event (or a label of an entry); {@code ack}: SUCCESS or DROP
     * (HTTP statuses), XADD (Redis gave the entry an id), or {@link #NONE}; {@code entryId}: the stream entry id, or
     * {@link #NONE} over HTTP; {@code label}: what kind of poison or load it was.
     */
    record Item(String key, Kind kind, String ack, String entryId, Expect expect, String label) {

        boolean acknowledged() {
            return !NONE.equals(ack);
        }

        String line() {
            return String.join("\t", key, kind.name(), ack, entryId, expect.name(), label);
        }

        static Item parse(String line) {
            String[] f = line.split("\t", -1);
            if (f.length != 6) {
                throw new BenchException("not a ledger line: " + line);
            }
            return new Item(f[0], Kind.valueOf(f[1]), f[2], f[3], Expect.valueOf(f[4]), f[5]);
        }
    }

    void write(Path path) throws IOException {
        List<String> lines = new ArrayList<>();
        projects.forEach(p -> lines.add("#project\t" + p));
        notes.forEach(n -> lines.add("#note\t" + n.replace('\n', ' ').replace('\t', ' ')));
        items.forEach(i -> lines.add(i.line()));
        Files.write(path, lines, StandardCharsets.UTF_8);
    }

    static ChaosLedger read(Path path) throws IOException {
        List<String> projects = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Item> items = new ArrayList<>();
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            if (line.startsWith("#project\t")) {
                projects.add(line.substring(9));
            } else if (line.startsWith("#note\t")) {
                notes.add(line.substring(6));
            } else if (!line.isBlank()) {
                items.add(Item.parse(line));
            }
        }
        return new ChaosLedger(projects, notes, items);
    }
}
