package dev.apimon.quota;

import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "apimon.keys")
public interface KeysConfig {
    /** HMAC pepper of key hashes; must equal key-service's (env APIMON_KEYS_PEPPER, from a Secret). */
    String pepper();
}
