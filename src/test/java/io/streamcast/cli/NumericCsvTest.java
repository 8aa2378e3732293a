package io.streamcast.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NumericCsvTest {
    @TempDir
    Path dir;

    NumericCsv read(String content, List<String> select) throws Exception {
        Path f = dir.resolve("x.csv");
        Files.writeString(f, content);
        return NumericCsv.read(f, select);
    }

    void assertError(String content, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(content, null));
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void aBomBeforeDataDoesNotTurnTheFirstRowIntoAHeader() throws Exception {
        // the BOM made "1" unparsable, and the first row was silently taken for a header
        NumericCsv csv = read("\uFEFF1,2\n3,4\n", null);
        assertNull(csv.header);
        assertEquals(2, csv.rows);
        assertArrayEquals(new float[] {1, 2, 3, 4}, csv.values);
        NumericCsv named = read("\uFEFFa,b\n1,2\n", List.of("a"));
        assertEquals(List.of("a", "b"), named.header);
        assertArrayEquals(new float[] {1}, named.values);
    }

    @Test
    void aFirstRowWithAnyNumberIsDataNeverADroppedHeader() throws Exception {
        assertError("1,x\n2,3\n", "x.csv line 1, column 2: not a number: 'x' (the first row has numbers, so it is"
                + " data: a header row has no numeric cells)");
        assertError("\n1,\n2,3\n", "x.csv line 2, column 2: not a number: ''");
        assertEquals(List.of("time", "load"), read("time,load\n0,1\n", null).header);
    }

    @Test
    void semicolonAndTabSeparatedFilesAreRead() throws Exception {
        // used to end as "no data rows" (or 'not a number: 1;2') with no hint
        NumericCsv semi = read("a;b\n1.5;2\n3;4\n", null);
        assertEquals(List.of("a", "b"), semi.header);
        assertEquals(2, semi.columns);
        assertArrayEquals(new float[] {1.5f, 2, 3, 4}, semi.values);
        NumericCsv noHeader = read("1;2\n", null);
        assertEquals(1, noHeader.rows);
        assertEquals(2, noHeader.columns);
        NumericCsv tab = read("a\tb\n1\t2\n", null);
        assertArrayEquals(new float[] {1, 2}, tab.values);
        assertError("a;b\n1,5;2\n", "x.csv line 2, column 1: not a number: '1,5' (a decimal comma? write 1.5)");
    }

    @Test
    void emptyHeaderOnlyAndNonUtf8FilesSaySo() throws Exception {
        assertError("a,b\n\n", "x.csv: no data rows (line 1 was read as a header: a,b)");
        assertError("\n\n", "x.csv: no data rows (the file is empty)");
        Path latin1 = dir.resolve("latin1.csv");
        Files.write(latin1, new byte[] {'t', (byte) 0xe9, 'l', '\n', '1', '\n'});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumericCsv.read(latin1, null));
        assertTrue(e.getMessage().contains("latin1.csv: not UTF-8 text"), e.getMessage());
    }
}
