package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.Card
import org.thecal.core.CardClinic
import org.thecal.core.CardContact
import org.thecal.core.CardData
import org.thecal.core.CardDevice
import org.thecal.core.CardDrug
import org.thecal.core.CardException
import org.thecal.core.CardFormat
import org.thecal.core.CardLanguage
import org.thecal.core.CardLayout
import org.thecal.core.CardMri
import org.thecal.core.CardSectionKind
import org.thecal.core.Concentration
import org.thecal.core.FollowUpAction
import org.thecal.core.MriConditions
import org.thecal.core.MriMark
import org.thecal.core.MriStatus
import org.thecal.core.MriStep
import org.thecal.core.PumpKind
import org.thecal.core.VerifyStatus

/** The ID card as the Android app sees it: build, sign, render (bytes), verify, MRI follow-up. */
class CardTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-card")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    /** Runs [block] with the card API of a fresh app, its keys in a [MemorySecretStore]. */
    private fun withCard(block: suspend (Card) -> Unit) = runBlocking {
        openThecal(dir, "Europe/Paris").use { thecal ->
            thecal.card().use { block(it) }
        }
    }

    @Test
    fun signedCardVerifiesAndATamperedOneDoesNot() = withCard { card ->
        card.save(sample())
        assertEquals(sample(), card.get())
        val key = card.createClinicKey("Demo Pain Clinic")
        assertTrue(key.canSign)
        assertEquals(64, key.publicKey.length)
        val signed = card.issue(key.keyId, 365u)
        assertTrue(signed.text.startsWith("THECAL1:"))
        assertEquals(Duration.ofDays(365), Duration.between(signed.issuedAt, signed.expiresAt))

        val ok = card.verify(signed.text)
        assertEquals(VerifyStatus.VALID, ok.status)
        assertEquals(sample(), ok.card)
        assertEquals("Demo Pain Clinic", ok.issuerName)

        val chars = signed.text.toCharArray()
        val i = chars.size / 2
        chars[i] = if (chars[i] == 'A') 'B' else 'A'
        val bad = card.verify(String(chars))
        assertNotEquals(VerifyStatus.VALID, bad.status)
        assertNull("no card from a tampered payload", bad.card)
        assertEquals(VerifyStatus.NOT_A_CARD, card.verify("hello").status)
    }

    @Test
    fun rendersTextAndSvgBytesInTwoLanguages() = withCard { card ->
        card.save(sample())
        val key = card.createClinicKey("Demo Pain Clinic")
        val signed = card.issue(key.keyId, 30u)
        val langs = listOf(CardLanguage.FRENCH, CardLanguage.ENGLISH)
        val text = String(card.render(langs, CardFormat.TEXT, CardLayout.CARD), Charsets.UTF_8)
        assertTrue(text.contains("Carte de porteur d'implant"))
        assertTrue(text.contains("may set off metal detectors, like a pacemaker"))
        assertTrue(text.contains(signed.text))
        val svg = card.render(listOf(CardLanguage.ARABIC), CardFormat.SVG, CardLayout.PHONE)
        val svgText = String(svg, Charsets.UTF_8)
        assertTrue(svgText.startsWith("<?xml"))
        assertTrue(svgText.contains("lang=\"ar\""))
        // The same card gives the same bytes.
        assertArrayEquals(svg, card.render(listOf(CardLanguage.ARABIC), CardFormat.SVG, CardLayout.PHONE))
        // The phone library draws no PNG: the app renders the SVG or the views itself.
        assertEquals(listOf("TEXT", "SVG"), CardFormat.values().map { it.name })
        val views = card.views(listOf(CardLanguage.ARABIC))
        assertTrue(views[0].rightToLeft)
        val mri = views[0].sections.first { it.kind == CardSectionKind.MRI }
        assertEquals(MriMark.CONDITIONAL, mri.badge?.mri)
        assertEquals("MR Conditional", mri.badge?.text)
    }

    @Test
    fun badFieldIsNamedAndNothingIsSaved() = withCard { card ->
        val e = expectThrows<CardException.InvalidInput> {
            card.save(sample().copy(clinic = sample().clinic.copy(phone = "call me")))
        }
        assertEquals("clinic.phone", e.field)
        assertNull(card.get())
        expectThrows<CardException.NoCard> {
            card.render(listOf(CardLanguage.ENGLISH), CardFormat.TEXT, CardLayout.CARD)
        }
    }

    @Test
    fun anMriScanLeavesAPumpCheckPending() = withCard { card ->
        card.save(sample())
        val scan = card.logMriScan(Instant.now().minusSeconds(3600))
        assertEquals(FollowUpAction.INTERROGATE_PUMP, scan.followUp)
        assertEquals(listOf(scan), card.pendingMriFollowUps())
        val words = card.followUpText(FollowUpAction.INTERROGATE_PUMP, CardLanguage.GERMAN)
        assertEquals("Nach Ihrer MRT", words.title)
        assertTrue(words.body.contains("abfragen"))
        assertTrue(card.markPumpChecked(scan.id))
        assertEquals(emptyList<Any>(), card.pendingMriFollowUps())
    }

    private companion object {
        fun sample() = CardData(
            patientName = "Alex Example",
            device = CardDevice(
                name = "Thecal IT-40 programmable infusion pump",
                kind = PumpKind.IMPLANTED,
                manufacturer = "Thecal Simulated Pumps",
                model = "SIM-IT40",
                serial = "SIM-0001",
                lot = "L2026-117",
                udi = null,
            ),
            implantDate = "2026-03-14",
            clinic = CardClinic("Demo Pain Clinic", "Dr Sam Rivera", "+44 20 7946 0000"),
            drugs = listOf(CardDrug("Morphine", Concentration(25_000u))),
            catheter = "Intrathecal catheter, tip at T10",
            emergencyContact = CardContact("Jo Example", "+44 7700 900000"),
            mri = CardMri(
                status = MriStatus.Conditional(MriConditions(listOf(1_500u, 3_000u), 19_000u, 2_000u)),
                steps = listOf(MriStep.PUMP_MAY_STOP_DURING_SCAN, MriStep.INTERROGATE_PUMP_AFTER),
                protocolSource = null,
            ),
        )
    }
}
