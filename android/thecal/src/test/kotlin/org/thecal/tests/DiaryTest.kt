package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.Author
import org.thecal.core.CalendarDate
import org.thecal.core.ChangeAction
import org.thecal.core.DiaryException
import org.thecal.core.DoseUnit
import org.thecal.core.Drug
import org.thecal.core.GuidanceLevel
import org.thecal.core.LocalTime
import org.thecal.core.MedicationInput
import org.thecal.core.PainInput
import org.thecal.core.PainInventory
import org.thecal.core.RecoveryException
import org.thecal.core.ReminderInput
import org.thecal.core.ReminderZone
import org.thecal.core.Route
import org.thecal.core.Severity
import org.thecal.core.Symptom
import org.thecal.core.SymptomInput
import org.thecal.core.Thecal
import org.thecal.core.TrendPeriod

/** The diary and the recovery plan as the Android app sees them, against the real library. */
class DiaryTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-diary")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private suspend fun open(): Thecal = openThecal(dir, ZONE.id)

    private fun today(): LocalDate = LocalDate.now(ZONE)

    private fun LocalDate.cd() = CalendarDate(year, monthValue.toUByte(), dayOfMonth.toUByte())

    private fun pain(at: Instant, score: Int) = PainInput(
        at = at,
        score = score.toUByte(),
        inventory = null,
        interference = null,
        location = null,
        note = null,
    )

    private fun oxycodone(at: Instant) = MedicationInput(
        at = at,
        drug = "Oxycodone",
        dose = 5.0,
        unit = DoseUnit.MILLIGRAM,
        route = Route.ORAL,
        breakthrough = true,
        reason = "flare after a walk",
    )

    @Test
    fun entryComesBackWithItsZoneAndInventory() = runBlocking<Unit> {
        open().use { thecal ->
            thecal.diary().use { diary ->
                val at = Instant.now().minus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                val input = pain(at, 6).copy(
                    inventory = PainInventory(worst = 8u, least = 3u, average = 5u, now = 6u),
                    location = "lower back",
                )
                val e = diary.addPain(input, Author.PATIENT)
                assertEquals("Europe/Paris", e.timeZone)
                assertEquals(input, e.value)
                val listed = diary.painEntries(at.minusSeconds(60), at.plusSeconds(60))
                assertEquals(listOf(e), listed)
            }
        }
    }

    @Test
    fun editKeepsHistoryOfWhoChangedWhat() = runBlocking<Unit> {
        open().use { thecal ->
            thecal.diary().use { diary ->
                val e = diary.addPain(pain(Instant.now().minusSeconds(600), 7), Author.PATIENT)
                val edited = diary.editPain(e.id, e.value.copy(score = 5u, note = "eased"), Author.CAREGIVER)
                assertEquals(5.toUByte(), edited.value.score)
                val history = diary.painHistory(e.id)
                assertEquals(listOf(ChangeAction.CREATED, ChangeAction.EDITED), history.map { it.change.action })
                assertEquals(Author.CAREGIVER, history[1].change.author)
                assertEquals(listOf("note", "score"), history[1].change.changedFields)
                assertEquals(7.toUByte(), history[0].value.score)

                diary.deletePain(e.id, Author.PATIENT)
                assertTrue(diary.painEntries(Instant.EPOCH, Instant.now().plusSeconds(60)).isEmpty())
                assertEquals(5.toUByte(), diary.restorePain(e.id, Author.PATIENT).value.score)
            }
        }
    }

    @Test
    fun invalidInputIsATypedErrorNamingTheField() = runBlocking<Unit> {
        open().use { thecal ->
            thecal.diary().use { diary ->
                val e = expectThrows<DiaryException.InvalidInput> {
                    diary.addPain(pain(Instant.now(), 11), Author.PATIENT)
                }
                assertEquals("score", e.field)
                val future = expectThrows<DiaryException.InvalidInput> {
                    diary.addPain(pain(Instant.now().plus(Duration.ofHours(2)), 3), Author.PATIENT)
                }
                assertEquals("at", future.field)
                val noName = expectThrows<DiaryException.InvalidInput> {
                    diary.addMedication(oxycodone(Instant.now()).copy(drug = "  "), Author.PATIENT)
                }
                assertEquals("drug", noName.field)
                expectThrows<DiaryException.NotFound> {
                    diary.deleteMedication(12345L, Author.PATIENT)
                }
            }
        }
    }

    @Test
    fun trendCountsPainAndBreakthroughDoses() = runBlocking {
        open().use { thecal ->
            thecal.diary().use { diary ->
                val now = Instant.now()
                diary.addPain(pain(now.minusSeconds(60), 4), Author.PATIENT)
                diary.addPain(pain(now.minusSeconds(120), 8), Author.PATIENT)
                val dose = diary.addMedication(oxycodone(now.minusSeconds(180)), Author.PATIENT)
                diary.repeatMedication(dose.id, now.minusSeconds(30), Author.PATIENT)

                val from = today().minusDays(2).cd()
                val to = today().cd()
                val daily = diary.trend(from, to, TrendPeriod.DAY)
                assertEquals(3, daily.buckets.size)
                assertEquals(from, daily.buckets[0].firstDay)
                val summary = diary.summary(from, to)
                assertEquals(2u, summary.pain!!.count)
                assertEquals(4.toUByte(), summary.pain!!.min)
                assertEquals(8.toUByte(), summary.pain!!.max)
                assertEquals(6.0, summary.pain!!.mean, 1e-9)
                assertEquals(2u, summary.breakthroughDoses)
                assertEquals(10.0, summary.medication.single().total, 1e-9)
                assertEquals("Oxycodone", diary.usualDoses(3u).first().drug)

                val bad = expectThrows<DiaryException.InvalidInput> {
                    diary.trend(to, from, TrendPeriod.WEEK)
                }
                assertEquals("to", bad.field)
            }
        }
    }

    @Test
    fun recoveryChecklistRemindersAndGuidance() = runBlocking<Unit> {
        open().use { thecal ->
            thecal.recovery().use { recovery ->
                assertNull(recovery.plan())
                expectThrows<RecoveryException.NoPlan> {
                    recovery.setItemDone("driver_home", true, Author.PATIENT)
                }
                val plan = recovery.startPlan(today().cd(), Drug.Morphine)
                assertTrue(plan.day in 0L..1L)
                val wound = plan.items.single { it.key == "wound_check" }
                assertEquals(today().plusDays(3).cd(), wound.fromDate)
                assertEquals(today().plusDays(5).cd(), wound.toDate)

                val ticked = recovery.setItemDone("driver_home", true, Author.CAREGIVER)
                assertEquals(Author.CAREGIVER, ticked.items.single { it.key == "driver_home" }.doneBy)

                val reminder = recovery.addReminder(
                    ReminderInput(
                        title = "Antibiotic",
                        time = LocalTime(8u, 0u),
                        firstDate = today().plusDays(1).cd(),
                        lastDate = today().plusDays(7).cd(),
                        zone = ReminderZone.FollowDevice,
                    )
                )
                val upcoming = recovery.upcomingReminders("America/New_York", 72u)
                assertTrue(upcoming.any { it.reminderId == reminder.id })
                val bad = expectThrows<RecoveryException.InvalidInput> {
                    recovery.upcomingReminders("Nowhere/Town", 24u)
                }
                assertEquals("device_zone", bad.field)

                val fever = recovery.logSymptom(
                    SymptomInput(Instant.now().minusSeconds(60), Symptom.FEVER, Severity.MILD, null),
                    Author.PATIENT,
                )
                assertEquals(GuidanceLevel.CALL_CLINIC, fever.guidance.level)
                assertTrue(fever.guidance.instruction.contains("Call your clinic now"))
                assertEquals(GuidanceLevel.EMERGENCY, recovery.assess(Symptom.SLOWED_BREATHING, Severity.MILD).level)
                assertTrue(recovery.redFlags().any { it.level == GuidanceLevel.EMERGENCY })
                assertEquals("opioid", recovery.withdrawalGuidance(Drug.Morphine).group)
            }
        }
    }

    private companion object {
        val ZONE: ZoneId = ZoneId.of("Europe/Paris")
    }
}
