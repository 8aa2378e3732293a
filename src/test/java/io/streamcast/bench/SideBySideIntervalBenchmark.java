package io.streamcast.bench;

import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;

/**
 * {@code IntervalBenchmark} of several builds in one JVM, to compare builds under the same load: each
 * build (a folder holding its {@code classes/} and {@code test-classes/}, e.g. a copy of a worktree's
 * target/) gets its own class loader, intervals off and on each, and every round runs all of them in
 * turn (the order rotating), timed by the thread's CPU time (-Dwall: by the clock). On a shared machine
 * separate JVMs, one after the other, meet different load and JIT luck; here only the builds differ.
 * Reports per build the medians and the median of the per-round on/off ratios. io.streamcast classes
 * are loaded from each build's folder first, so the class path may hold a build of its own:
 * {@code java -Xmx3g -cp "target/test-classes:$(cat target/bench.classpath)"
 * io.streamcast.bench.SideBySideIntervalBenchmark rounds events keys build...}.
 */
public final class SideBySideIntervalBenchmark {
    private SideBySideIntervalBenchmark() {
    }

    public static void main(String[] a) throws Throwable {
        int rounds = Integer.parseInt(a[0]);
        int events = Integer.parseInt(a[1]);
        int keys = Integer.parseInt(a[2]);
        boolean wall = System.getProperty("wall") != null;
        int v = a.length - 3;
        MethodHandle[] event = new MethodHandle[2 * v];
        String[] names = new String[v];
        for (int i = 0; i < v; i++) {
            File build = new File(a[3 + i]);
            names[i] = build.getName();
            URLClassLoader l = new IsolatedLoader(new URL[] {new File(build, "test-classes/").toURI().toURL(),
                new File(build, "classes/").toURI().toURL()}, SideBySideIntervalBenchmark.class.getClassLoader());
            Class<?> c = Class.forName("io.streamcast.job.IntervalBenchmark", true, l);
            for (int m = 0; m < 2; m++) {
                Object b = c.getConstructor().newInstance();
                c.getField("intervals").set(b, m == 0 ? "off" : "on");
                c.getField("keys").set(b, keys);
                c.getField("window").set(b, 100);
                c.getMethod("setup").invoke(b);
                event[2 * i + m] = MethodHandles.lookup().unreflect(c.getMethod("event")).bindTo(b)
                        .asType(MethodType.methodType(Object.class));
            }
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[][] t = new double[2 * v][rounds];
        int sink = 0;
        for (int r = -5; r < rounds; r++) { // 5 rounds of warm-up
            for (int s = 0; s < 2 * v; s++) {
                int x = Math.floorMod(s + r * 3, 2 * v);
                MethodHandle h = event[x];
                long t0 = wall ? System.nanoTime() : mx.getCurrentThreadCpuTime();
                for (int n = 0; n < events; n++) {
                    sink += h.invokeExact() == null ? 1 : 0;
                }
                if (r >= 0) {
                    t[x][r] = ((wall ? System.nanoTime() : mx.getCurrentThreadCpuTime()) - t0) / (double) events;
                }
            }
        }
        for (int i = 0; i < v; i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = t[2 * i + 1][r] / t[2 * i][r];
            }
            double[] off = t[2 * i].clone();
            double[] on = t[2 * i + 1].clone();
            java.util.Arrays.sort(off);
            java.util.Arrays.sort(on);
            java.util.Arrays.sort(ratio);
            System.out.printf("%-14s keys %4d off %5.0f on %5.0f ns  ratio of medians %.3f  median ratio %.3f"
                    + " (quartiles %.3f-%.3f)%s%n", names[i], keys, off[rounds / 2], on[rounds / 2],
                    on[rounds / 2] / off[rounds / 2], ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4],
                    sink == -1 ? " " : "");
        }
    }

    /** Loads io.streamcast classes itself (the build's), everything else from the parent (the dependencies). */
    private static final class IsolatedLoader extends URLClassLoader {
        IsolatedLoader(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.streamcast.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
