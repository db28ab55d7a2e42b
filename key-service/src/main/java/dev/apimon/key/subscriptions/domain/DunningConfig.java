package dev.apimon.key.subscriptions.domain;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What happens to a customer still delinquent after dunning (a final failed payment attempt on billing.payments). */
@ConfigMapping(prefix = "apimon.dunning")
public interface DunningConfig {
    /** {@code suspend} (keys answer SUSPENDED until paid) or {@code downgrade} (moved to {@link #fallbackPlan()} until paid). */
    @WithDefault("suspend")
    String onFinalFailure();

    /** Plan code for {@code downgrade}: its latest published version; when it is not in the catalog, suspend instead. */
    @WithDefault("free")
    String fallbackPlan();
}
