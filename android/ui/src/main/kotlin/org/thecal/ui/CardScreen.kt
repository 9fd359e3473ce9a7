package org.thecal.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import com.google.zxing.BarcodeFormat
import com.google.zxing.EncodeHintType
import com.google.zxing.common.BitMatrix
import com.google.zxing.qrcode.QRCodeWriter
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel
import java.time.format.DateTimeFormatter
import java.util.Locale

/** The implant ID card: its QR code (when the clinic has signed it) and its sections. */
@Composable
fun CardScreen(app: PatientApp) {
    var card by remember { mutableStateOf<CardState?>(null) }
    LaunchedEffect(Unit) { card = app.card() }
    val c = card ?: run {
        Text("Opening your ID card…")
        return
    }
    c.message?.let { Text(it) }
    val view = c.view ?: return
    Text(view.title, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
    Text(view.subtitle, color = InkSoft)
    val qr = c.qrText
    if (qr != null) {
        Text("Show this code to airport security or to MRI staff. They can scan it to check the card.")
        QrCode(qr, Modifier.testTag("qr"))
        c.validUntil?.let {
            val until = it.atZone(app.zone).format(DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH))
            Text("Valid until $until.", color = InkSoft)
        }
    } else {
        Text("This card has no QR code yet: your clinic adds it when they sign the card.", color = InkSoft)
    }
    view.sections.forEach { section ->
        Column(
            Modifier.fillMaxWidth().semantics(mergeDescendants = true) {},
            verticalArrangement = Arrangement.spacedBy(4.dp),
        ) {
            SectionTitle(section.title)
            section.badge?.let {
                Text(
                    it.text,
                    fontWeight = FontWeight.Bold,
                    modifier = Modifier.background(QuietBackground).padding(horizontal = 8.dp, vertical = 4.dp),
                )
            }
            section.rows.forEach { row ->
                val label = row.label
                when {
                    // A list item ("•" as its label): one line, the mark before the text.
                    label != null && label.length <= 2 -> Text("$label ${row.text}")
                    // A label with nothing after it introduces the rows below.
                    label != null && row.text.isBlank() -> Text(label, fontWeight = FontWeight.SemiBold, modifier = Modifier.padding(top = 4.dp))
                    label != null -> {
                        Text(label, color = InkSoft, style = MaterialTheme.typography.bodyMedium)
                        Text(row.text, fontWeight = FontWeight.SemiBold)
                    }
                    else -> Text(row.text)
                }
            }
        }
    }
}

/** [text] as a QR code (error correction M, four modules of quiet zone), black on white. */
@Composable
fun QrCode(text: String, modifier: Modifier = Modifier) {
    val matrix: BitMatrix = remember(text) {
        QRCodeWriter().encode(
            text, BarcodeFormat.QR_CODE, 0, 0,
            mapOf(EncodeHintType.ERROR_CORRECTION to ErrorCorrectionLevel.M, EncodeHintType.MARGIN to 4),
        )
    }
    Box(modifier.fillMaxWidth(), contentAlignment = Alignment.Center) {
        Canvas(
            Modifier.widthIn(max = 320.dp).fillMaxWidth().aspectRatio(1f).background(Color.White)
                .clearAndSetSemantics { contentDescription = "QR code of your signed ID card, for staff to scan" },
        ) {
            val n = matrix.width
            val cell = size.minDimension / n
            for (y in 0 until n) for (x in 0 until n) {
                if (matrix.get(x, y)) {
                    drawRect(Color.Black, Offset(x * cell, y * cell), Size(cell + 0.5f, cell + 0.5f))
                }
            }
        }
    }
}
