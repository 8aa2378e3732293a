package io.streamcast.modelfile;

/** A model file or byte array that cannot be read: the message names what is wrong and where. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
