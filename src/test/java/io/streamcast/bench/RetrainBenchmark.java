package io.streamcast.bench;

import io.streamcast.config.JobOptions;
import io.streamcast.config.ModelOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.training.Retrainer;
import io.streamcast.training.Trainer;
import io.streamcast.training.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * Retraining capacity: key-retrains per core-minute of the trainer (one thread, per-key scope),
 * each a full Retrainer.retrain (train a challenger on the key's window, evaluate champion and
 * challenger on the hold-out slice), on a window of state.recent-inputs seasonal readings.
 * With newReadings > 0 each request says that many readings came since the key's last training,
 * and retraining.windows-per-reading (the 5th argument, default 8) budgets the warm start; without
 * them every retraining trains to early stopping.
 * Usage: RetrainBenchmark [default|small] [retrains] [window] [newReadings] [windowsPerReading]
 */
public final class RetrainBenchmark {
    public static void main(String[] args) {
        String setting = args.length > 0 ? args[0] : "default";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Configuration c = new Configuration();
        if (setting.equals("small")) { // a per-key model sized for many keys
            c.set(ModelOptions.CELL, CellType.GRU);
            c.set(ModelOptions.HIDDEN_SIZE, 16);
            c.set(ModelOptions.NUM_LAYERS, 1);
            c.set(TrainingOptions.INPUT_LENGTH, 24);
        }
        TrainingConfig cfg = TrainingConfig.from(c);
        int window = args.length > 2 ? Integer.parseInt(args[2]) : c.get(JobOptions.RING_SIZE);
        float[] history = new float[4000];
        for (int t = 0; t < history.length; t++) {
            history[t] = (float) (20 + 3 * Math.sin(2 * Math.PI * t / 24) + 0.3 * Math.sin(t * 1.7));
        }
        Model current = new Trainer(cfg).train(history, 1000, 1, null).model();
        long newReadings = args.length > 3 ? Long.parseLong(args[3]) : 0;
        double perReading = args.length > 4 ? Double.parseDouble(args[4]) : 8;
        Retrainer r = new Retrainer(cfg, c.get(RetrainingOptions.HOLDOUT), c.get(RetrainingOptions.MARGIN),
                c.get(RetrainingOptions.WARM_START), newReadings > 0 ? perReading : 0);
        List<Long> times = new ArrayList<>();
        int accepted = 0;
        for (int i = 0; i < n + 5; i++) {
            TrainingRequest q = new TrainingRequest();
            q.key = "sensor-" + i;
            q.version = 2;
            q.inputSize = 1;
            int from = 1000 + 37 * i;
            q.window = java.util.Arrays.copyOfRange(history, from, from + window);
            q.currentModel = ModelBinary.write(current);
            q.trigger = "bench";
            q.newReadings = newReadings;
            long t0 = System.nanoTime();
            ModelUpdate u = r.retrain(q);
            long dt = System.nanoTime() - t0;
            if (i >= 5) { // the first few warm up the JIT and ND4J
                times.add(dt);
                accepted += u.accepted() ? 1 : 0;
            }
        }
        long[] t = times.stream().mapToLong(Long::longValue).sorted().toArray();
        double median = t[t.length / 2] / 1e6;
        double mean = times.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
        System.out.printf("%s: %s, window %d, input-length %d, horizon %d, max-epochs %d: median %.0f ms, mean %.0f ms"
                        + " per retrain = %.0f key-retrains per core-minute (%d/%d accepted)%n", setting,
                current.shape(), window, cfg.inputLength(), cfg.horizon(), cfg.maxEpochs(), median, mean,
                60_000 / mean, accepted, times.size());
    }
}
