package io.streamcast.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random models and inputs for tests; every value is exactly representable in float. */
public final class TestModels {
    private TestModels() {
    }

    public static Model random(ModelShape shape, long seed, float scale) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] p = new float[shape.parameterCount()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return new Model(shape, p, null);
    }

    public static float[] randomFloats(int n, long seed, float scale) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    public static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** Every cell and GRU variant with 1-3 layers and assorted sizes. */
    public static List<ModelShape> shapes() {
        List<ModelShape> out = new ArrayList<>();
        int[][] sizes = {{1, 3, 1, 2}, {2, 4, 2, 3}, {3, 5, 3, 1}};
        for (int[] sz : sizes) {
            out.add(new ModelShape(CellType.RNN, null, sz[0], sz[1], sz[2], sz[3]));
            out.add(new ModelShape(CellType.LSTM, null, sz[0], sz[1], sz[2], sz[3]));
            out.add(new ModelShape(CellType.GRU, GruVariant.RESET_AFTER, sz[0], sz[1], sz[2], sz[3]));
            out.add(new ModelShape(CellType.GRU, GruVariant.RESET_BEFORE, sz[0], sz[1], sz[2], sz[3]));
        }
        return out;
    }
}
