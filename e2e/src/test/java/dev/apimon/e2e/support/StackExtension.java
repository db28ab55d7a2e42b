package dev.apimon.e2e.support;

import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link Stack} per test class: started before the first test, torn down after the last (and by a shutdown hook
 * if the JVM ends first). Register it as {@code @RegisterExtension static final StackExtension STACK = new StackExtension();}.
 */
public final class StackExtension implements BeforeAllCallback, AfterAllCallback {
    private final Duration hourBoundaryAfterLaunch;
    private Stack stack;

    /** A stack on the system clock. */
    public StackExtension() {
        this(null);
    }

    /** A stack whose services' clock passes a whole hour this long after they are launched ({@link Stack#start}). */
    public StackExtension(Duration hourBoundaryAfterLaunch) {
        this.hourBoundaryAfterLaunch = hourBoundaryAfterLaunch;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        stack = Stack.start(context.getRequiredTestClass().getSimpleName(), hourBoundaryAfterLaunch);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }

    public Stack stack() {
        if (stack == null) {
            throw new IllegalStateException("the stack is not running (used outside the test class's lifecycle?)");
        }
        return stack;
    }
}
