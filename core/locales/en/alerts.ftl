# Thecal: what caregivers are told (English, the source language): short titles; bodies say what
# is happening and what to do. What to do about a pump alarm or an empty battery is a safety
# message (.written, .review: docs/localisation.md).
pump-alarm-title = Pump alarm
alert-alarm-reservoir_low = The pump says its reservoir is low: a refill is needed soon.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-reservoir_empty = The pump says its reservoir is empty: infusion may stop. Call the clinic now.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-battery_eri = The pump says its battery needs replacing: the clinic should plan it.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-battery_eos = The pump's battery has reached its end: infusion may have stopped. Call the clinic now.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-catheter_occlusion = The pump reports a possible blocked catheter. Call the clinic now.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-motor_stall = The pump's motor stopped: infusion may have stopped. Call the clinic now.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-clock_error = The pump's clock is wrong: dose timing may be off. Call the clinic.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-pump_fault = The pump found an internal fault. Call the clinic now.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
alert-alarm-unrecognised = The pump raised an alarm this app does not know. Call the clinic.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
refill-due-title = Refill due soon
refill-due-body = The pump's reservoir will need a refill soon.
refill-due-body-when = The pump's reservoir will be low { $when }. Check that a refill is booked.
refill-appointment-title = Refill appointment today
refill-appointment-body = The pump refill is booked for today at { $time }.
refill-appointment-body-place = The pump refill is booked for today at { $time } ({ $place }).
reservoir-low-title = Reservoir low
reservoir-low-body = The pump's reservoir is low. A refill is needed now.
battery-eos-title = Pump battery empty
battery-eos-body = The pump's battery has reached its end: the pump may have stopped. Call the clinic now.
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
battery-eri-title = Pump replacement needed
battery-eri-body = The pump says its battery needs replacing. The clinic should plan the replacement.
battery-forecast-title = Pump replacement coming
battery-forecast-body = The pump's battery will need replacing in the coming months.
battery-forecast-body-when = The pump's battery is forecast to need replacing { $when }.
link-lost-title = No news from the pump
link-lost-body = { $minutes ->
    [one] The patient's phone has not reached the pump for more than { $minutes } minute.
   *[other] The patient's phone has not reached the pump for more than { $minutes } minutes.
}
reservoir-below-title = Reservoir getting low
reservoir-below-body = The pump's reservoir is at or below { $percent } %. Check that a refill is booked.
reservoir-below-ml-body = The pump's reservoir holds { $ml } mL or less. Check that a refill is booked.
refill-check-title = Refill to discuss with the clinic
refill-check-body = At the last refill, the amount left in the pump was not what was expected. The clinic should look into it.
battery-eos-soon-title = Pump replacement urgent
battery-eos-soon-body = { $days ->
    [one] The pump's battery is forecast to reach its end in about { $days } day: the replacement must happen before then. Check the date with the clinic.
   *[other] The pump's battery is forecast to reach its end in about { $days } days: the replacement must happen before then. Check the date with the clinic.
}
    .written = Thecal team, from the product brief, 2026-11-26
    .review = not reviewed
# The relay's notices about the patient's phone (protocol §9): facts, no advice.
phone-silent-title = No news from { $patient }'s phone
phone-silent-body = { $patient }'s phone has not checked in since { $since }. It may be switched off, flat, or without network.
phone-back-title = { $patient }'s phone is back
phone-back-body = { $patient }'s phone is checking in again (last heard from at { $since }).
