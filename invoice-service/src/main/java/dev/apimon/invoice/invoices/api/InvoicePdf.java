package dev.apimon.invoice.invoices.api;

import dev.apimon.invoice.invoices.domain.Invoice;
import dev.apimon.invoice.invoices.domain.InvoiceLine;
import dev.apimon.invoice.subscriptions.domain.Customer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/** Renders a finalized invoice as a PDF (Apache PDFBox): number, customer, period, every line, tax and totals. */
public final class InvoicePdf {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final float MARGIN = 50;
    private static final float LINE = 14;

    private InvoicePdf() {
    }

    public static byte[] render(Invoice inv, Customer customer, String issuer) {
        PDType1Font regular = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
        PDType1Font bold = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);
        try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDDocumentInformation info = doc.getDocumentInformation();
            info.setTitle("Invoice " + inv.number());
            info.setAuthor(issuer);
            info.setSubject("Invoice " + inv.number() + " for " + inv.customerId());

            Writer w = new Writer(doc, regular, bold);
            w.text(bold, 18, "Invoice " + inv.number());
            w.gap();
            w.text(regular, 10, issuer);
            w.gap();
            w.text(bold, 10, "Billed to");
            w.text(regular, 10, customer == null || customer.name() == null ? inv.customerId() : customer.name());
            if (customer != null && customer.email() != null) {
                w.text(regular, 10, customer.email());
            }
            w.text(regular, 10, "Customer " + inv.customerId());
            w.gap();
            w.row(regular, 10, "Status", inv.status());
            w.row(regular, 10, "Issued", inv.finalizedAt() == null ? "" : DAY.format(inv.finalizedAt()));
            w.row(regular, 10, "Period", DAY.format(inv.periodStart()) + " to " + DAY.format(inv.periodEnd()));
            w.row(regular, 10, "Currency", inv.currency());
            w.gap();
            w.columns(bold, "Description", "Quantity", "Amount");
            w.rule();
            for (InvoiceLine l : inv.lines()) {
                String desc = l.description() + (l.periodStart() != null && InvoiceLine.FEE.equals(l.type())
                        ? " (" + DAY.format(l.periodStart()) + " to " + DAY.format(l.periodEnd()) + ")" : "");
                w.columns(regular, desc, l.quantity() == null ? "" : l.quantity().toPlainString(), l.amount().toPlainString());
            }
            w.rule();
            w.columns(regular, "Subtotal", "", inv.subtotal().toPlainString());
            w.columns(regular, "Tax" + rate(inv.taxRate()), "", inv.tax().toPlainString());
            w.columns(bold, "Total (" + inv.currency() + ")", "", inv.total().toPlainString());
            if (Invoice.VOID.equals(inv.status())) {
                w.gap();
                w.text(bold, 14, "VOID" + (inv.voidedAt() == null ? "" : " since " + DAY.format(inv.voidedAt())));
            }
            w.close();
            doc.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render invoice " + inv.id(), e);
        }
    }

    private static String rate(BigDecimal r) {
        return r == null ? "" : " " + r.movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    /** Writes top to bottom, starting a new page when one is full. */
    private static final class Writer {
        private final PDDocument doc;
        private PDPageContentStream cs;
        private float y;

        Writer(PDDocument doc, PDType1Font regular, PDType1Font bold) throws IOException {
            this.doc = doc;
            newPage();
        }

        private void newPage() throws IOException {
            if (cs != null) {
                cs.close();
            }
            PDPage page = new PDPage(PDRectangle.A4);
            doc.addPage(page);
            cs = new PDPageContentStream(doc, page);
            y = page.getMediaBox().getHeight() - MARGIN;
        }

        private void room() throws IOException {
            if (y < MARGIN + LINE) {
                newPage();
            }
        }

        void text(PDType1Font font, float size, String s) throws IOException {
            room();
            at(font, size, MARGIN, s);
            y -= size + 4;
        }

        void row(PDType1Font font, float size, String label, String value) throws IOException {
            room();
            at(font, size, MARGIN, label);
            at(font, size, MARGIN + 90, value);
            y -= LINE;
        }

        void columns(PDType1Font font, String description, String quantity, String amount) throws IOException {
            List<String> wrapped = wrap(font, 10, description, 330);
            for (int i = 0; i < wrapped.size(); i++) {
                room();
                at(font, 10, MARGIN, wrapped.get(i));
                if (i == 0) {
                    right(font, 10, MARGIN + 420, quantity);
                    right(font, 10, PDRectangle.A4.getWidth() - MARGIN, amount);
                }
                y -= LINE;
            }
        }

        void rule() throws IOException {
            room();
            cs.moveTo(MARGIN, y + 10);
            cs.lineTo(PDRectangle.A4.getWidth() - MARGIN, y + 10);
            cs.stroke();
            y -= 4;
        }

        void gap() {
            y -= LINE / 2;
        }

        private void at(PDType1Font font, float size, float x, String s) throws IOException {
            cs.beginText();
            cs.setFont(font, size);
            cs.newLineAtOffset(x, y);
            cs.showText(printable(font, s));
            cs.endText();
        }

        private void right(PDType1Font font, float size, float xRight, String s) throws IOException {
            String p = printable(font, s);
            at(font, size, xRight - font.getStringWidth(p) / 1000 * size, p);
        }

        private List<String> wrap(PDType1Font font, float size, String s, float width) throws IOException {
            List<String> out = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String word : printable(font, s).split(" ")) {
                String candidate = line.length() == 0 ? word : line + " " + word;
                if (font.getStringWidth(candidate) / 1000 * size > width && line.length() > 0) {
                    out.add(line.toString());
                    line = new StringBuilder(word);
                } else {
                    line = new StringBuilder(candidate);
                }
            }
            out.add(line.toString());
            return out;
        }

        /** The standard PDF fonts only encode WinAnsi: anything else becomes '?' instead of failing the document. */
        private static String printable(PDType1Font font, String s) {
            StringBuilder sb = new StringBuilder();
            s.codePoints().forEach(cp -> {
                String ch = new String(Character.toChars(cp));
                try {
                    font.encode(ch);
                    sb.append(ch);
                } catch (IOException | IllegalArgumentException e) {
                    sb.append('?');
                }
            });
            return sb.toString();
        }

        void close() throws IOException {
            cs.close();
        }
    }
}
