package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.ThecalException
import org.thecal.UrlConnectionHttpClient
import org.thecal.core.BatteryIndicator
import org.thecal.core.BatteryStatus
import org.thecal.core.Concentration
import org.thecal.core.ConsentEnd
import org.thecal.core.DailyDose
import org.thecal.core.Drug
import org.thecal.core.InfusionMode
import org.thecal.core.SharedData
import org.thecal.core.SharingState
import org.thecal.core.StatusReading
import org.thecal.core.Volume
import org.thecal.mapThecalErrors

/**
 * Status sharing from Kotlin, two app objects through the real relay `android/run-tests.sh`
 * starts: nothing is shared until the patient consents; with consent the caregiver sees the
 * patient's status and its age; withdrawing stops it and the caregiver's app stops showing it.
 */
class StatusSharingTest {
    private lateinit var dir: Path
    private val relay: String = System.getProperty("thecal.relay.url")
        ?.takeIf { it.isNotEmpty() } ?: error("no relay: run the tests with android/run-tests.sh")

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-status")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private fun reading(at: Instant, microliters: UInt) = StatusReading(
        takenAt = at,
        pumpClock = at,
        reservoirVolume = Volume(microliters),
        reservoirCapacity = Volume(40_000u),
        mode = InfusionMode.CONTINUOUS,
        dailyDose = DailyDose(5_000u),
        drug = Drug.Other("baclofen"),
        concentration = Concentration(2_000u),
        battery = BatteryStatus(87u, BatteryIndicator.NORMAL),
    )

    @Test
    fun aCaregiverSeesTheStatusOnlyWithTheConsentAndNotAfterItIsWithdrawn() = runBlocking<Unit> {
        openThecal(dir.resolve("patient")).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                val pc = patient.caregivers(UrlConnectionHttpClient())
                val cc = carer.caregivers(UrlConnectionHttpClient())
                val mum = cc.acceptInvitation(pc.invite(relay).qrText, null, "Mum")
                val anna = pc.readMailbox(0u).paired.single()
                pc.rename(anna, "Anna")
                pc.confirm(anna)
                cc.confirm(mum.id)
                val pump = samplePump()
                patient.pumps().register(pump)
                patient.pumps().recordReading(pump.serial, reading(Instant.now().minusSeconds(60), 18_500u))

                // Off until the patient consents.
                assertEquals(0u, pc.shareStatus())
                assertEquals(0u, cc.readMailbox(0u).statuses)
                val before = cc.patients().single()
                assertEquals(SharingState.NOT_SHARED, before.sharing)
                assertNull(before.status)
                assertEquals("No status shared", before.summary)

                val consent = pc.shareStatusWith(anna)
                assertEquals("Anna", consent.caregiver)
                assertEquals(SharedData.STATUS_SNAPSHOT, consent.shared)
                assertNull(consent.withdrawnAt)
                assertEquals(1u, cc.readMailbox(0u).statuses)
                val shared = cc.patients().single()
                assertEquals("Mum", shared.name)
                assertEquals(SharingState.SHARED, shared.sharing)
                val status = shared.status!!
                assertEquals(18_500u, status.reservoir!!.volume.microliters)
                assertTrue("${status.dataAgeSeconds}", status.dataAgeSeconds!! >= 60u)
                assertEquals(BatteryIndicator.NORMAL, status.battery!!.indicator)
                assertTrue(shared.summary, shared.summary.startsWith("Status from"))
                // Unchanged: not sent again before the interval.
                assertEquals(0u, pc.shareStatus())

                // Withdrawn: the caregiver's app stops showing the status.
                pc.withdrawStatusConsent(anna)
                assertEquals(1u, cc.readMailbox(0u).statuses)
                val ended = cc.patients().single()
                assertEquals(SharingState.ENDED, ended.sharing)
                assertNull(ended.status)
                val kept = pc.consents().single()
                assertEquals(ConsentEnd.WITHDRAWN, kept.endedBy)
                assertNotNull(kept.withdrawnAt)
                expectThrows<ThecalException.InvalidInput> { mapThecalErrors { pc.setStatusInterval(1u) } }
            }
        }
    }
}
