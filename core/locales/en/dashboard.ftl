# Thecal: the home screen (English, the source language): the pump, the link, the reservoir,
# the battery, the alarms, and forecast dates at the precision their range supports.
app-title = Thecal · simulated pump
pump-none = No pump paired yet
pump-line = { $manufacturer } { $model } · serial { $serial }
freshness-fresh = up to date
freshness-updating = updating…
freshness-stale = OUT OF DATE
freshness-very-stale = VERY OUT OF DATE
freshness-no-data = no data yet
link-label = Link
link-via = via { $transport }
link-rejected = rejected frames { $count }
link-radio = radio on { $seconds } s/h (last minute)
last-reading = Last reading { $age } ago
now = now { $time }
age-seconds = { $n } s
age-minutes = { $n } min
age-hours = { $n } h
age-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
no-reading = No reading yet.
section-reservoir = Reservoir
reservoir-gauge = { $volume } of { $capacity } mL ({ $percent } %)
uses-per-day = Uses { $volume } mL a day
low = Low
low-now = NOW: book a refill
empty = Empty
refill-more-left = At the last refill { $percent } % more was left than the pump expected: less medicine may have reached you. Talk to your clinic.
refill-less-left = At the last refill { $percent } % less was left than the pump expected: more medicine may have reached you. Talk to your clinic.
refill-as-expected = The last refill was as expected.
last-refill = Last refill { $date }: { $drug } { $concentration }, { $dose }
drug-changed = medicine or strength changed
section-battery = Battery
not-enough-history = not enough history yet
replace-battery = Replace the battery
plan-pump-replacement = Plan the pump replacement
confidence-high = (high confidence)
confidence-low = (a rough estimate)
infusion-stops = Infusion stops
eri-reached = { $days ->
    [one] The battery's replacement signal is on: { $days } day left before infusion stops
   *[other] The battery's replacement signal is on: { $days } days left before infusion stops
}
section-alarms = Alarms ({ $count })
column-alarm = alarm
column-raised = raised
column-state = state
alarm-active = active
alarm-unknown = unknown (link down)
alarm-acknowledged = acknowledged
section-events = Live events
link-idle = idle
link-scanning = looking for your pump
link-connecting = connecting
link-connected = Connected
link-reconnecting = reconnecting (try { $attempt })
link-not-paired = no pump paired
link-failed = { $failure } (trying again soon)
link-stopped = stopped
failure-bluetooth-off = Bluetooth is off
failure-permission = Bluetooth is not permitted
failure-out-of-range = your pump is out of range
failure-pairing-refused = pairing refused
failure-mismatch = a pump that is not yours
failure-storage = cannot save (storage)
failure-internal = internal error, restarting
event-alarm = alarm: { $alarm }
event-link-lost = link lost: reconnecting on its own
dose-per-day = { $dose }/day
event-pump-identified = pump identified: { $model } { $serial }
event-paired = paired: { $model } { $serial }
event-unpaired = unpaired: { $serial }
# Forecast dates, at the precision their 80 % range supports: a day ("around 12 March 2027
# (between 10 and 14 March)") or a month ("around March 2030 (between January and May 2030)").
forecast-today = today
forecast-tomorrow = tomorrow
forecast-on = on { $date }
forecast-around = around { $date } ({ $span })
forecast-around-month = around { $date } ({ $span })
forecast-week-of = in the week of { $date } ({ $span })
forecast-in = in { $date }
forecast-between = between { $from } and { $to }
forecast-between-months = between { $from } and { $to }
# Status sharing: what a caregiver's phone shows of a patient, and what the patient shares.
shared-status-none = No status shared
shared-status-age = Status from { $age } ago
shared-status-ended = Status sharing ended: { $date }
shared-status-link-lost = link to the pump lost
shared-status-what = Status: reservoir, battery, forecast dates, link to the pump and open alarms
