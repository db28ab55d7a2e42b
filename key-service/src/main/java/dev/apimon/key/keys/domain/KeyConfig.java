package dev.apimon.key.keys.domain;

import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "apimon.keys")
public interface KeyConfig {
    /** HMAC pepper for key hashes; the same value must be given to quota-service. */
    String pepper();
}
