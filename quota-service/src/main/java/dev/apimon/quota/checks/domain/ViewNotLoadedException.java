package dev.apimon.quota.checks.domain;

/**
 * The view of keys, subscriptions and plans is still being rebuilt: every key would look unknown, so a check is
 * not answered (503) rather than refused as INVALID_KEY. Readiness keeps Services' traffic away meanwhile; this
 * covers callers that reach the pod directly.
 */
public class ViewNotLoadedException extends RuntimeException {
    public ViewNotLoadedException() {
        super("the view of keys, subscriptions and plans is still loading", null, false, false);
    }
}
