package io.streamcast.modelfile;

import io.streamcast.model.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a model file in either form (binary is recognised by its magic) and writes by extension. */
public final class ModelFiles {
    private ModelFiles() {
    }

    public static Model read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UncheckedIOException("model file " + path + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + path + ": " + e, e);
        }
        try {
            return ModelBinary.looksBinary(bytes)
                    ? ModelBinary.read(bytes)
                    : ModelJson.read(new String(bytes, StandardCharsets.UTF_8));
        } catch (ModelFormatException e) {
            throw new ModelFormatException(path + ": " + e.getMessage(), e);
        }
    }

    /** Writes JSON when the file name ends in .json, the binary form otherwise. */
    public static void write(Model model, Path path) {
        try {
            if (path.getFileName().toString().endsWith(".json")) {
                Files.writeString(path, ModelJson.write(model));
            } else {
                Files.write(path, ModelBinary.write(model));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model file " + path + ": " + e.getMessage(), e);
        }
    }
}
