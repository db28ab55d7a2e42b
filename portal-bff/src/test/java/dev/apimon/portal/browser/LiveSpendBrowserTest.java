package dev.apimon.portal.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.apimon.portal.support.ServicesStandIn;
import dev.apimon.portal.support.SpendEvents;
import dev.apimon.testinfra.KafkaResource;
import dev.apimon.testinfra.KeycloakResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A customer signs in through the real Keycloak in headless Chromium, sees the spend, and watches it change
 * without a reload when a new billing.spend snapshot arrives. Screenshots go to target/screenshots/.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(KeycloakResource.class)
@QuarkusTestResource(ServicesStandIn.class)
class LiveSpendBrowserTest {
    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void signInSeeSpendAndWatchItChangeWithoutReload() throws Exception {
        SpendEvents.publish("billing.spend", "cus_demo_alice", "com.apimon.spend.updated", SpendEvents.spend("cus_demo_alice", "70.25", "14000"));
        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        try (Playwright pw = Playwright.create()) {
            Browser browser = pw.chromium().launch(new BrowserType.LaunchOptions().setHeadless(true)
                    .setExecutablePath(Path.of("/usr/bin/chromium"))
                    .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync")));
            Page page = browser.newPage();
            List<String> console = new java.util.ArrayList<>();
            page.onConsoleMessage(m -> console.add(m.type() + ": " + m.text()));
            page.onResponse(r -> { if (r.status() >= 400) console.add("HTTP " + r.status() + " " + r.url()); });
            try {
            page.navigate("http://localhost:" + port + "/");
            // the real Keycloak login page of realm apimon
            page.waitForSelector("#username");
            assertTrue(page.url().startsWith(KeycloakResource.issuer()), page.url());
            page.fill("#username", "alice");
            page.fill("#password", "alice");
            page.click("#kc-login");
            page.waitForURL("http://localhost:" + port + "/**");
            page.waitForSelector("#spend-body", new Page.WaitForSelectorOptions().setState(WaitForSelectorState.VISIBLE));
            page.waitForFunction("() => document.getElementById('spend-total').textContent.includes('70.25')");
            assertTrue(page.textContent("#who").contains("cus_demo_alice"));
            page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("spend-before.png")).setFullPage(true));

            Object before = page.evaluate("() => performance.timeOrigin");
            SpendEvents.publish("billing.spend", "cus_demo_alice", "com.apimon.spend.updated", SpendEvents.spend("cus_demo_alice", "71.75", "14300"));
            page.waitForFunction("() => document.getElementById('spend-total').textContent.includes('71.75')", null,
                    new Page.WaitForFunctionOptions().setTimeout(10_000));
            assertEquals(before, page.evaluate("() => performance.timeOrigin"), "the page was reloaded");
            assertTrue(page.textContent("#spend-lines").contains("14300"));
            page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("spend-after.png")).setFullPage(true));

            // the other panels render their states (the stand-in has no stubs here: errors are shown, the page keeps working)
            page.click("a[data-page=invoices]");
            page.waitForFunction("() => document.getElementById('invoices-state').textContent.length > 0");
            page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("invoices.png")).setFullPage(true));
            } catch (RuntimeException e) {
                page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("failure.png")).setFullPage(true));
                throw new AssertionError("browser flow failed at " + page.url() + "; console and failed requests: " + console, e);
            } finally {
                browser.close();
            }
        }
        ServicesStandIn.server.resetAll();
    }
}
