package io.streamcast.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamcast.config.JobOptions.FillPolicy;
import io.streamcast.event.Forecast;
import io.streamcast.job.KeyState;
import io.streamcast.job.KeyedForecaster;
import io.streamcast.job.ServingModel;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.modelfile.ModelJson;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The derived inputs: their values against java.time, model files, and the job's rows against an offline expansion. */
class DerivedInputsTest {
    static final long MIN = 60_000;
    static final DerivedInputs ALL = DerivedInputs.of(List.of("difference", "hour_of_day", "day_of_week"), "Europe/Berlin");

    /** sin/cos of hour of day and day of week from java.time's calendar, independently of DerivedInputs. */
    static float[] calendar(long millis, ZoneId zone) {
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(zone);
        double hours = t.getHour() + t.getMinute() / 60.0 + t.getSecond() / 3600.0;
        double days = (t.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue()) + hours / 24;
        return new float[] {(float) Math.sin(2 * Math.PI * hours / 24), (float) Math.cos(2 * Math.PI * hours / 24),
                (float) Math.sin(2 * Math.PI * days / 7), (float) Math.cos(2 * Math.PI * days / 7)};
    }

    @Test
    void calendarInputsFollowLocalTimeAcrossDaylightSavingChanges() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        // every 20 minutes over the March and October clock changes of 2026, and a Monday 06:00 local
        long[] starts = {Instant.parse("2026-03-28T00:00:00Z").toEpochMilli(), Instant.parse("2026-10-24T00:00:00Z").toEpochMilli()};
        float[] row = new float[6];
        for (long start : starts) {
            for (long t = start; t < start + 3 * 24 * 60 * MIN; t += 20 * MIN) {
                ALL.write(row, 1, 2.5f, t);
                float[] want = calendar(t, berlin);
                assertEquals(2.5f, row[1]);
                for (int i = 0; i < 4; i++) {
                    assertEquals(want[i], row[2 + i], 2e-6f, Instant.ofEpochMilli(t) + " column " + i);
                }
            }
        }
        long mondaySix = Instant.parse("2026-01-05T05:00:00Z").toEpochMilli(); // 06:00 in Berlin (UTC+1)
        ALL.write(row, 0, 0f, mondaySix);
        assertEquals(1f, row[1], 1e-6f); // sin(pi/2)
        assertEquals(0f, row[2], 1e-6f);
        assertEquals((float) Math.sin(2 * Math.PI * 0.25 / 7), row[3], 1e-6f);
        DerivedInputs utc = DerivedInputs.of(List.of("hour_of_day"), "UTC");
        utc.write(row, 0, 0f, mondaySix);
        assertEquals((float) Math.sin(2 * Math.PI * 5 / 24), row[0], 1e-6f);
    }

    @Test
    void expandAppendsTheChangeOfTheTargetAndTheCalendarOfEachRow() {
        float[] series = {1, 10, 2, 13, 3, 11}; // 3 rows x 2 columns, target column 1
        long t0 = Instant.parse("2026-06-01T00:00:00Z").toEpochMilli();
        float[] wide = ALL.expand(series, 3, 2, 1, t0, 30 * MIN);
        assertEquals(3 * 7, wide.length);
        assertArrayEquals(new float[] {1, 10, 0}, java.util.Arrays.copyOfRange(wide, 0, 3));
        assertEquals(3f, wide[7 + 2]);
        assertEquals(-2f, wide[14 + 2]);
        float[] cal = calendar(t0 + 60 * MIN, ZoneId.of("Europe/Berlin"));
        for (int i = 0; i < 4; i++) {
            assertEquals(cal[i], wide[14 + 3 + i], 2e-6f);
        }
    }

    @Test
    void optionsAreCheckedAndModelFilesKeepTheInputs() {
        assertThrows(IllegalArgumentException.class, () -> DerivedInputs.of(List.of("hour"), "UTC"));
        assertThrows(IllegalArgumentException.class, () -> DerivedInputs.of(List.of("day_of_week"), "Mars/Olympus"));
        Model m = TestModels.random(ModelShape.of(CellType.GRU, 6, 4, 1, 3), 3, 0.5f).withInputs(ALL);
        Model binary = ModelBinary.read(ModelBinary.write(m));
        assertEquals(ALL, binary.inputs());
        assertEquals(ZoneId.of("Europe/Berlin"), binary.inputs().zone());
        assertEquals(m, binary);
        assertEquals(ModelBinary.VERSION_INPUTS, ModelBinary.write(m)[4]);
        assertEquals(m, ModelJson.read(ModelJson.write(m)));
        // without derived inputs the file is what earlier builds wrote and read
        assertEquals(ModelBinary.VERSION, ModelBinary.write(m.withInputs(DerivedInputs.NONE))[4]);
        assertEquals(-1, ModelJson.write(m.withInputs(DerivedInputs.NONE)).indexOf("derived_inputs"));
        // the derived columns need at least one read column beside them
        assertThrows(IllegalArgumentException.class,
                () -> TestModels.random(ModelShape.of(CellType.GRU, 5, 4, 1, 3), 3, 0.5f).withInputs(ALL));
    }

    /**
     * The job computes the inputs row by row as readings arrive (gaps filled, a reset after a long
     * one); the forecasts must be those of the model stepped over the offline expansion of the same
     * grid, which is what training sees.
     */
    @Test
    void theJobsRowsAndForecastsEqualTheOfflineExpansionOfTheSameGrid() {
        DerivedInputs inputs = DerivedInputs.of(List.of("difference", "hour_of_day"), "UTC");
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, 4, 5, 2, 3), 11, 0.5f).withInputs(inputs);
        KeyedForecaster kf = new KeyedForecaster(5 * MIN, 12 * MIN, FillPolicy.LINEAR, 1, 0, 0, 64, 64, 3, inputs);
        ServingModel sm = new ServingModel(m, "m", 1);
        kf.check(sm);
        KeyState s = kf.newState(sm);
        Forecast f = new Forecast();
        long t0 = Instant.parse("2026-06-01T22:00:00Z").toEpochMilli();
        // grid slots 0, 1, 3 (slot 2 filled linearly), then 9 (a gap past max-gap: state reset)
        long[] slots = {0, 1, 3, 4, 9, 10};
        float[] values = {10, 12, 16, 15, 40, 41};
        float[] grid = {10, 12, 14, 16, 15};
        float[] offline = inputs.expand(grid, grid.length, 1, 0, t0, 5 * MIN);
        float[] after = inputs.expand(new float[] {40, 41}, 2, 1, 0, t0 + 9 * 5 * MIN, 5 * MIN);
        Stepper st = new Stepper(m);
        RecurrentState ref = RecurrentState.zeros(m.shape());
        float[] y = new float[3];
        int row = 0;
        for (int i = 0; i < slots.length; i++) {
            kf.apply(s, t0 + slots[i] * 5 * MIN, new float[] {values[i]}, sm, f);
            if (slots[i] == 9) {
                ref = RecurrentState.zeros(m.shape());
            }
            while (row < grid.length && row <= slots[i]) {
                st.step(ref, offline, row * 4, y, 0);
                row++;
            }
            if (slots[i] >= 9) {
                st.step(ref, after, (int) (slots[i] - 9) * 4, y, 0);
            }
            assertArrayEquals(y, f.values, 1e-5f, "slot " + slots[i]);
        }
        // what a retraining learns from: the same rows, derived columns included
        float[] window = kf.window(s);
        float[] want = new float[offline.length + after.length];
        System.arraycopy(offline, 0, want, 0, offline.length);
        System.arraycopy(after, 0, want, offline.length, after.length);
        assertArrayEquals(want, window, 0f);
    }

    @Test
    void aJobWhoseSpecNamesOtherInputsThanItsModelIsRefused() {
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, 3, 4, 1, 3), 11, 0.5f)
                .withInputs(DerivedInputs.of(List.of("hour_of_day"), "UTC"));
        KeyedForecaster other = new KeyedForecaster(5 * MIN, 12 * MIN, FillPolicy.LINEAR, 1, 0, 0, 8, 0, 3,
                new DerivedInputs(EnumSet.of(DerivedInputs.Kind.DAY_OF_WEEK), ZoneId.of("UTC")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> other.check(new ServingModel(m, "m", 1)));
        assertEquals(true, e.getMessage().contains("model.derived-inputs"), e.getMessage());
        KeyedForecaster none = new KeyedForecaster(5 * MIN, 12 * MIN, FillPolicy.LINEAR, 1, 0, 0, 8, 0, 3);
        assertThrows(IllegalArgumentException.class, () -> none.check(new ServingModel(m, "m", 1)));
    }
}
