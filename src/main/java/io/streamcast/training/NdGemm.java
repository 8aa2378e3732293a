package io.streamcast.training;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.ProfilerConfig;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Large matrix products for training, on float[] operands, through ND4J's BLAS gemm.
 *
 * <p>Training keeps its tensors in heap float arrays because the sequential part of BPTT is
 * thousands of tiny per-step operations that cost 5-10 us each as ND4J ops but well under a
 * microsecond as JIT-compiled loops. Only the big products (all time steps' input projections,
 * weight gradients after the backward sweep) go to ND4J, where they run at BLAS speed; operands
 * are bulk-copied into native arrays that are allocated once per shape and reused.
 */
final class NdGemm {
    private record Key(char role, long rows, long cols) {
    }

    private final Map<Key, INDArray> arrays = new HashMap<>();

    static {
        // Single-threaded and unprofiled: OpenMP spin-waiting on a shared 2-core machine made small
        // ops up to 40x slower, and the default profiler checks every op.
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
        Nd4j.createUninitialized(DataType.FLOAT, 1, 1); // the first array loads the native backend
    }

    /** Loads and configures ND4J now (seconds, once per JVM with ND4J parent-first) rather than in the first training. */
    static void load() {
        // the static initialiser above does the work
    }

    private INDArray array(char role, long rows, long cols) {
        return arrays.computeIfAbsent(new Key(role, rows, cols),
                k -> Nd4j.createUninitialized(DataType.FLOAT, k.rows(), k.cols()));
    }

    private static void put(INDArray dst, float[] src, int off, int n) {
        ((FloatPointer) dst.data().addressPointer()).put(src, off, n);
    }

    /**
     * c[cOff .. +m*n) (=, or += when accumulate) op(a) * op(b), all row-major, where op(a) is
     * m x k and op(b) is k x n; a is stored as given by aRows x aCols (k x m when transA).
     */
    void gemm(float[] a, int aOff, int aRows, int aCols, boolean transA,
              float[] b, int bOff, int bRows, int bCols, boolean transB,
              float[] c, int cOff, boolean accumulate) {
        int m = transA ? aCols : aRows;
        int k = transA ? aRows : aCols;
        int kb = transB ? bCols : bRows;
        int n = transB ? bRows : bCols;
        if (k != kb) {
            throw new IllegalArgumentException("gemm inner sizes differ: " + k + " vs " + kb);
        }
        INDArray na = array('a', aRows, aCols);
        INDArray nb = array('b', bRows, bCols);
        INDArray nc = array('c', m, n);
        put(na, a, aOff, aRows * aCols);
        put(nb, b, bOff, bRows * bCols);
        if (accumulate) {
            put(nc, c, cOff, m * n);
        }
        Nd4j.gemm(na, nb, nc, transA, transB, 1.0, accumulate ? 1.0 : 0.0);
        ((FloatPointer) nc.data().addressPointer()).get(c, cOff, m * n);
    }
}
