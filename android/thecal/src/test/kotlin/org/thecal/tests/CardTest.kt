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
import org.thecal.core.CardException
import org.thecal.core.CardFormat
import org.thecal.core.Language
import org.thecal.core.CardLayout
import org.thecal.core.CardSectionKind
import org.thecal.core.FollowUpAction
import org.thecal.core.MriMark
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
        card.save(sampleCard())
        assertEquals(sampleCard(), card.get())
        val key = card.createClinicKey("Demo Pain Clinic")
        assertTrue(key.canSign)
        assertEquals(64, key.publicKey.length)
        val signed = card.issue(key.keyId, 365u)
        assertTrue(signed.text.startsWith("THECAL1:"))
        assertEquals(Duration.ofDays(365), Duration.between(signed.issuedAt, signed.expiresAt))

        val ok = card.verify(signed.text)
        assertEquals(VerifyStatus.VALID, ok.status)
        assertEquals(sampleCard(), ok.card)
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
        card.save(sampleCard())
        val key = card.createClinicKey("Demo Pain Clinic")
        val signed = card.issue(key.keyId, 30u)
        val langs = listOf(Language.FRENCH, Language.ENGLISH)
        val text = String(card.render(langs, CardFormat.TEXT, CardLayout.CARD), Charsets.UTF_8)
        assertTrue(text.contains("Carte de porteur d'implant"))
        assertTrue(text.contains("may set off metal detectors, like a pacemaker"))
        assertTrue(text.contains(signed.text))
        val svg = card.render(listOf(Language.ARABIC), CardFormat.SVG, CardLayout.PHONE)
        val svgText = String(svg, Charsets.UTF_8)
        assertTrue(svgText.startsWith("<?xml"))
        assertTrue(svgText.contains("lang=\"ar\""))
        // The same card gives the same bytes.
        assertArrayEquals(svg, card.render(listOf(Language.ARABIC), CardFormat.SVG, CardLayout.PHONE))
        // The phone library draws no PNG: the app renders the SVG or the views itself.
        assertEquals(listOf("TEXT", "SVG"), CardFormat.values().map { it.name })
        val views = card.views(listOf(Language.ARABIC))
        assertTrue(views[0].rightToLeft)
        val mri = views[0].sections.first { it.kind == CardSectionKind.MRI }
        assertEquals(MriMark.CONDITIONAL, mri.badge?.mri)
        assertEquals("MR Conditional", mri.badge?.text)
    }

    @Test
    fun badFieldIsNamedAndNothingIsSaved() = withCard { card ->
        val e = expectThrows<CardException.InvalidInput> {
            card.save(sampleCard().copy(clinic = sampleCard().clinic.copy(phone = "call me")))
        }
        assertEquals("clinic.phone", e.field)
        assertNull(card.get())
        expectThrows<CardException.NoCard> {
            card.render(listOf(Language.ENGLISH), CardFormat.TEXT, CardLayout.CARD)
        }
    }

    @Test
    fun anMriScanLeavesAPumpCheckPending() = withCard { card ->
        card.save(sampleCard())
        val scan = card.logMriScan(Instant.now().minusSeconds(3600))
        assertEquals(FollowUpAction.INTERROGATE_PUMP, scan.followUp)
        assertEquals(listOf(scan), card.pendingMriFollowUps())
        val words = card.followUpText(FollowUpAction.INTERROGATE_PUMP, Language.GERMAN)
        assertEquals("Nach Ihrer MRT", words.title)
        assertTrue(words.body.contains("abfragen"))
        assertTrue(card.markPumpChecked(scan.id))
        assertEquals(emptyList<Any>(), card.pendingMriFollowUps())
    }

    @Test
    fun theClinicKeyLivesInTheAppsKeyStoreAndSignsAfterReopening() = runBlocking<Unit> {
        val keyStore = MemorySecretStore()
        val keyId = openThecal(dir, secrets = keyStore).use { thecal ->
            val key = thecal.card().createClinicKey("Demo Pain Clinic")
            assertEquals(listOf("thecal.card.clinic-key.${key.keyId}"), keyStore.names())
            key.keyId
        }
        openThecal(dir, secrets = keyStore).use { thecal ->
            val card = thecal.card()
            card.save(sampleCard())
            assertEquals(VerifyStatus.VALID, card.verify(card.issue(keyId, 30u).text).status)
        }
        // Without its secret (another key store), the key is not usable on this device.
        openThecal(dir, secrets = MemorySecretStore()).use { thecal ->
            expectThrows<CardException.UnknownClinicKey> { thecal.card().issue(keyId, 30u) }
        }
    }
}
