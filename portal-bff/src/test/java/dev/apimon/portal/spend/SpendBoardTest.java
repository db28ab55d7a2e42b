package dev.apimon.portal.spend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apimon.portal.spend.domain.SpendBoard;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-customer live spend stream behind GET /api/me/spend/stream (plain Java, no server). */
class SpendBoardTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode spend(String customer, String total) {
        return JSON.createObjectNode().put("customer_id", customer).put("total", total);
    }

    private static List<String> totals(AssertSubscriber<JsonNode> s) {
        return s.getItems().stream().map(n -> n.path("total").asText()).toList();
    }

    @Test
    void currentStateFirstThenEveryChangeOfThatCustomerOnly() {
        SpendBoard board = new SpendBoard();
        board.update("cus_a", spend("cus_a", "1.00"));
        AssertSubscriber<JsonNode> a = board.stream("cus_a").subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        board.update("cus_b", spend("cus_b", "9.00"));
        board.update("cus_a", spend("cus_a", "2.00"));
        assertEquals(List.of("1.00", "2.00"), totals(a));
        assertNull(a.getFailure());
    }

    @Test
    void aCustomerWithoutStateGetsTheFirstChange() {
        SpendBoard board = new SpendBoard();
        AssertSubscriber<JsonNode> a = board.stream("cus_a").subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        board.update("cus_a", spend("cus_a", "0.50"));
        assertEquals(List.of("0.50"), totals(a));
    }

    /**
     * An SSE connection asks for one event at a time (the next once the previous write completed). Changes that
     * arrive while a write is still in flight must wait, in order — not end the stream.
     */
    @Test
    void changesFasterThanTheClientReadsAreQueuedInOrder_notAFailure() {
        SpendBoard board = new SpendBoard();
        board.update("cus_a", spend("cus_a", "1.00"));
        AssertSubscriber<JsonNode> slow = board.stream("cus_a").subscribe().withSubscriber(AssertSubscriber.create(1));
        for (int i = 2; i <= 50; i++) {
            board.update("cus_a", spend("cus_a", i + ".00"));
        }
        assertNull(slow.getFailure(), "the stream failed while the client was busy");
        assertEquals(List.of("1.00"), totals(slow));
        slow.request(100);
        assertEquals(50, slow.getItems().size());
        assertEquals("50.00", totals(slow).get(49));
        assertEquals("2.00", totals(slow).get(1));
        assertNull(slow.getFailure());
    }

    @Test
    void aClientFarBehindLosesItsStreamNotTheOthers() {
        SpendBoard board = new SpendBoard();
        AssertSubscriber<JsonNode> stuck = board.stream("cus_a").subscribe().withSubscriber(AssertSubscriber.create(0));
        AssertSubscriber<JsonNode> live = board.stream("cus_a").subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        for (int i = 1; i <= SpendBoard.MAX_QUEUED_PER_STREAM + 10; i++) {
            board.update("cus_a", spend("cus_a", i + ".00"));
        }
        stuck.assertFailedWith(io.smallrye.mutiny.subscription.BackPressureFailure.class);
        assertEquals(SpendBoard.MAX_QUEUED_PER_STREAM + 10, live.getItems().size());
        assertNull(live.getFailure());
    }
}
