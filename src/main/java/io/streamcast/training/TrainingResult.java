package io.streamcast.training;

import io.streamcast.model.Model;

/**
 * A trained model and how it was obtained. Losses are the training loss (MSE by default) in normalised units;
 * validation loss is NaN when there was no validation tail.
 *
 * @param windowsSeen training windows processed over all epochs (optimiser steps x batch)
 * @param diverged true when a loss or gradient became NaN/Inf; the model is then the best one
 *                 seen before that point and must not replace a working model
 */
public record TrainingResult(
        Model model, double trainLoss, double validationLoss, int epochs, int bestEpoch,
        int trainWindows, int validationWindows, long windowsSeen, long wallMillis, boolean diverged) {
}
