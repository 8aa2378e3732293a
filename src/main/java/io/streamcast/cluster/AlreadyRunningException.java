package io.streamcast.cluster;

/**
 * A start found the processes it would start already running. Distinct so that the callers that
 * clean up after a failed start leave what was already running alone.
 */
public final class AlreadyRunningException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public AlreadyRunningException(String message) {
        super(message);
    }
}
