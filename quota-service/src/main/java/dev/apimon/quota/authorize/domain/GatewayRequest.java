package dev.apimon.quota.authorize.domain;

/**
 * What a gateway's forward-auth call tells about the original request. nginx {@code auth_request} sends
 * X-Original-Method/X-Original-URI (set in its config), Traefik and others X-Forwarded-Method/X-Forwarded-Uri,
 * Envoy's ext_authz keeps the method and appends the path to the authorization URL.
 */
public final class GatewayRequest {
    private GatewayRequest() {
    }

    /** "Bearer k" (any case) or X-API-Key; null when neither is present. */
    public static String key(String authorization, String apiKeyHeader) {
        if (authorization != null) {
            String a = authorization.strip();
            if (a.length() > 7 && a.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return a.substring(7).strip();
            }
        }
        if (apiKeyHeader != null && !apiKeyHeader.isBlank()) {
            return apiKeyHeader.strip();
        }
        return null;
    }

    /**
     * The original operation "METHOD /uri" from the header pair a forward-auth gateway sets, or null when it sent
     * neither. (Envoy's form, the original method and path appended to the URL, is read by the resource.)
     */
    public static String operation(String originalMethod, String originalUri, String forwardedMethod, String forwardedUri) {
        if (originalUri != null && !originalUri.isBlank()) {
            return (originalMethod == null || originalMethod.isBlank() ? "GET" : originalMethod.strip()) + " " + originalUri.strip();
        }
        if (forwardedUri != null && !forwardedUri.isBlank()) {
            return (forwardedMethod == null || forwardedMethod.isBlank() ? "GET" : forwardedMethod.strip()) + " " + forwardedUri.strip();
        }
        return null;
    }
}
