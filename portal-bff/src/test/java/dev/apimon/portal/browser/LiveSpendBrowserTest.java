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
 * without a reload when a new billing.spend snapshot arrives, then signs out. Screenshots go to target/screenshots/.
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
            // the session: encrypted tokens in HttpOnly, SameSite=Lax cookies (access, ID and refresh token split)
            var session = page.context().cookies("http://localhost:" + port).stream().filter(c -> c.name.startsWith("q_session")).toList();
            assertTrue(session.size() >= 2, "session cookies: " + session.stream().map(c -> c.name).toList());
            assertTrue(session.stream().allMatch(c -> Boolean.TRUE.equals(c.httpOnly)), "session cookies must be HttpOnly");
            assertTrue(session.stream().allMatch(c -> c.sameSite == com.microsoft.playwright.options.SameSiteAttribute.LAX),
                    "session cookies must be SameSite=Lax");
            assertTrue(session.stream().noneMatch(c -> c.value.contains(".") && c.value.split("\\.").length == 3),
                    "session cookies must not hold a readable JWT");
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

            // sign out: Keycloak's session ends too, so the portal asks for the password again
            page.click("a[href='/logout']");
            page.waitForSelector("#username");
            assertTrue(page.url().startsWith(KeycloakResource.issuer()), page.url());
            assertTrue(page.context().cookies("http://localhost:" + port).stream().noneMatch(c -> c.name.startsWith("q_session")),
                    "session cookies left after sign-out");
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
