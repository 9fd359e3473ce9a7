# Thecal: the notifications the phone shows (English, the source language). Short titles; bodies
# say what to do. The reservoir-empty body is a safety message.
reminder-plan-body = Part of your recovery plan. Open Thecal for what to bring and what to ask.
reminder-own-body = Open Thecal to mark it done.
mri-check-title = Have your pump checked after your MRI
mri-check-body = Your MRI is done. Call your clinic to have the pump checked, then record it in Thecal.
refill-book-title = Book your pump refill
refill-book-body = Your pump's reservoir gets low in about two weeks. Book the refill visit with your clinic now.
refill-due-title = Your pump refill is due
refill-due-body = The reservoir may be at its low level from today. Make sure your refill visit is booked.
reservoir-empty-title = Your pump may run empty within days
reservoir-empty-body = Call your clinic today for a refill: when the reservoir is empty the medicine stops, and withdrawal can follow.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
eos-title-battery = { $days ->
    [0] Change the pump's battery: the battery may stop today
    [one] Change the pump's battery: the battery may stop in { $days } day
   *[other] Change the pump's battery: the battery may stop in { $days } days
}
eos-title-pump = { $days ->
    [0] Pump replacement: the battery may stop today
    [one] Pump replacement: the battery may stop in { $days } day
   *[other] Pump replacement: the battery may stop in { $days } days
}
eos-body = When the battery stops, so does the medicine. Make sure your clinic has planned the replacement.
eri-title-battery = Change the pump's battery: time to plan it
eri-title-pump = Pump replacement: time to plan it
eri-body = The pump's battery is forecast to need replacing in the coming months. Talk to your clinic at your next visit.
