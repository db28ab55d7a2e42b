package dev.apimon.quota.limits.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A compiled list of operation patterns. Two uses:
 * <ul>
 *   <li>a plan's entitlements: a feature is allowed only when a feature pattern names it; HTTP operations are
 *       restricted only when the plan lists at least one HTTP pattern (a plan without any allows every operation);</li>
 *   <li>a key's scopes: no scopes = whatever the plan allows; otherwise the operation must also match a scope.</li>
 * </ul>
 * A pattern that does not parse matches nothing (and is reported), so a typo restricts rather than opens.
 */
public final class Entitlements {
    private final List<OperationPattern> patterns;
    private final boolean restrictsOperations;
    private final boolean isScopes;

    private Entitlements(List<OperationPattern> patterns, boolean restrictsOperations, boolean isScopes) {
        this.patterns = patterns;
        this.restrictsOperations = restrictsOperations;
        this.isScopes = isScopes;
    }

    public static final Entitlements UNRESTRICTED_SCOPES = new Entitlements(List.of(), false, true);

    public static Entitlements ofPlan(List<String> entries, Consumer<String> invalid) {
        List<OperationPattern> ps = compile(entries, invalid);
        boolean restricts = entries != null && entries.stream().anyMatch(e -> e != null && !isFeatureText(e));
        return new Entitlements(ps, restricts, false);
    }

    public static Entitlements ofScopes(List<String> scopes, Consumer<String> invalid) {
        if (scopes == null || scopes.isEmpty()) {
            return UNRESTRICTED_SCOPES;
        }
        return new Entitlements(compile(scopes, invalid), true, true);
    }

    private static boolean isFeatureText(String e) {
        return e.strip().regionMatches(true, 0, Operation.FEATURE_PREFIX, 0, Operation.FEATURE_PREFIX.length());
    }

    private static List<OperationPattern> compile(List<String> entries, Consumer<String> invalid) {
        List<OperationPattern> out = new ArrayList<>();
        if (entries == null) {
            return out;
        }
        for (String e : entries) {
            try {
                out.add(OperationPattern.parse(e));
            } catch (IllegalArgumentException ex) {
                invalid.accept(ex.getMessage());
            }
        }
        return List.copyOf(out);
    }

    public boolean allows(Operation op) {
        if (!isScopes && !op.isFeature() && !restrictsOperations) {
            return true;
        }
        if (isScopes && !restrictsOperations) {
            return true;
        }
        for (OperationPattern p : patterns) {
            if (p.matches(op)) {
                return true;
            }
        }
        return false;
    }
}
