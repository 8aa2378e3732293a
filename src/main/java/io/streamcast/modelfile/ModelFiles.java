package io.streamcast.modelfile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
            return read(bytes);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(path + ": " + e.getMessage(), e);
        }
    }

    /** Either form, told apart by content: the binary magic, else JSON. */
    public static Model read(byte[] bytes) {
        if (ModelBinary.looksBinary(bytes)) {
            return ModelBinary.read(bytes);
        }
        if (bytes.length == 0) {
            throw new ModelFormatException("model file is empty");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a BOM some Windows editors write
        }
        JsonNode tree;
        try {
            tree = ModelJson.parse(text);
        } catch (ModelFormatException e) {
            if (text.stripLeading().startsWith("{")) {
                throw e; // JSON with an error in it, not some other file
            }
            String why = e.getCause() instanceof JsonProcessingException j ? ModelJson.parseError(j) : e.getMessage();
            throw new ModelFormatException("not a streamcast binary model (magic " + magic(bytes)
                    + ", expected \"SCMD\") nor JSON: " + why, e);
        }
        return ModelJson.fromTree(tree);
    }

    /** The first four bytes as text when printable, in hex otherwise. */
    static String magic(byte[] bytes) {
        int n = Math.min(4, bytes.length);
        StringBuilder text = new StringBuilder("\"");
        StringBuilder hex = new StringBuilder();
        boolean printable = true;
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xff;
            printable &= b >= 0x20 && b < 0x7f;
            text.append((char) b);
            hex.append(i > 0 ? " " : "").append(String.format("%02x", b));
        }
        return printable ? text.append('"').toString() : hex.toString();
    }

    /** Writes JSON when the file name ends in .json, the binary form otherwise. */
    public static void write(Model model, Path path) {
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir); // e.g. models/ in a fresh checkout
            }
            if (path.getFileName().toString().endsWith(".json")) {
                Files.writeString(path, ModelJson.write(model));
            } else {
                Files.write(path, ModelBinary.write(model));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model file " + path + ": " + e, e);
        }
    }
}
