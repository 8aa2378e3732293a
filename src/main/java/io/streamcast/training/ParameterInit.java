package io.streamcast.training;

import io.streamcast.model.CellType;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Seq2SeqShape;
import java.util.SplittableRandom;

/**
 * PyTorch's default initialisation: every recurrent weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))
 * (nn.RNN/LSTM/GRU.reset_parameters) and the linear head ~ U(-1/sqrt(H), 1/sqrt(H)) for weight
 * and bias (nn.Linear: kaiming_uniform with a = sqrt(5) reduces to that bound).
 */
public final class ParameterInit {
    private ParameterInit() {
    }

    /**
     * @param forgetBias LSTM only, may be null: sets the forget slice of bias_ih to this value and
     *                   of bias_hh to 0, so the gate starts with that total bias
     */
    /**
     * A seq2seq model: each encoder unit and the decoder initialised as its own PyTorch module
     * would be (bounds 1/sqrt(H) and 1/sqrt(D*H)), each from its own stream of the seed.
     */
    public static float[] init(Seq2SeqShape shape, long seed, Double forgetBias) {
        float[] p = new float[shape.parameterCount()];
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int k = 0; k < shape.base().numLayers(); k++) {
            for (int d = 0; d < shape.directions(); d++) {
                float[] unit = init(shape.encoderUnit(k), seeds.nextLong(), forgetBias);
                System.arraycopy(unit, 0, p, shape.encoderUnitOffset(k, d), shape.encoderUnitSize(k));
            }
        }
        float[] dec = init(shape.decoder(), seeds.nextLong(), forgetBias);
        System.arraycopy(dec, 0, p, shape.decoderOffset(), dec.length);
        return p;
    }

    public static float[] init(ModelShape shape, long seed, Double forgetBias) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] p = new float[shape.parameterCount()];
        float bound = (float) (1.0 / Math.sqrt(shape.hiddenSize()));
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        if (forgetBias != null && shape.cell() == CellType.LSTM) {
            int h = shape.hiddenSize();
            for (int k = 0; k < shape.numLayers(); k++) {
                for (int j = 0; j < h; j++) {
                    p[shape.biasIhOffset(k) + h + j] = forgetBias.floatValue();
                    p[shape.biasHhOffset(k) + h + j] = 0f;
                }
            }
        }
        return p;
    }
}
