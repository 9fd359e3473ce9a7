# Thecal: der Startbildschirm (Deutsch, aus dem Englischen übersetzt): die Pumpe, die Verbindung,
# das Reservoir, die Batterie, die Alarme und Prognosedaten so genau, wie ihre Spanne es erlaubt.
app-title = Thecal · simulierte Pumpe
pump-none = Noch keine Pumpe gekoppelt
pump-line = { $manufacturer } { $model } · Seriennr. { $serial }
freshness-fresh = aktuell
freshness-updating = wird aktualisiert…
freshness-stale = VERALTET
freshness-very-stale = STARK VERALTET
freshness-no-data = noch keine Daten
link-label = Verbindung
link-via = über { $transport }
link-rejected = abgelehnte Frames { $count }
link-radio = Funk an { $seconds } s/h (letzte Minute)
last-reading = Letzter Messwert: { $age } alt
now = jetzt { $time }
age-seconds = { $n } s
age-minutes = { $n } min
age-hours = { $n } h
age-days = { $n ->
    [one] { $n } Tag
   *[other] { $n } Tage
}
no-reading = Noch kein Messwert.
section-reservoir = Reservoir
reservoir-gauge = { $volume } von { $capacity } mL ({ $percent } %)
uses-per-day = Verbraucht { $volume } mL pro Tag
low = Niedrig
low-now = JETZT: Auffüllen vereinbaren
empty = Leer
refill-more-left = Beim letzten Auffüllen war { $percent } % mehr übrig, als die Pumpe erwartet hat: Möglicherweise haben Sie weniger Medikament bekommen. Sprechen Sie mit Ihrer Klinik.
refill-less-left = Beim letzten Auffüllen war { $percent } % weniger übrig, als die Pumpe erwartet hat: Möglicherweise haben Sie mehr Medikament bekommen. Sprechen Sie mit Ihrer Klinik.
refill-as-expected = Das letzte Auffüllen war wie erwartet.
last-refill = Letztes Auffüllen { $date }: { $drug } { $concentration }, { $dose }
drug-changed = Medikament oder Konzentration geändert
section-battery = Batterie
not-enough-history = noch zu wenig Verlauf
replace-battery = Batterie austauschen
plan-pump-replacement = Pumpenaustausch planen
confidence-high = (hohe Sicherheit)
confidence-low = (grobe Schätzung)
infusion-stops = Infusion stoppt
eri-reached = { $days ->
    [one] Das Austauschsignal der Batterie ist an: noch { $days } Tag, bis die Infusion stoppt
   *[other] Das Austauschsignal der Batterie ist an: noch { $days } Tage, bis die Infusion stoppt
}
section-alarms = Alarme ({ $count })
column-alarm = Alarm
column-raised = ausgelöst
column-state = Status
alarm-active = aktiv
alarm-unknown = unbekannt (keine Verbindung)
alarm-acknowledged = quittiert
section-events = Aktuelle Ereignisse
link-idle = inaktiv
link-scanning = sucht Ihre Pumpe
link-connecting = verbindet
link-connected = Verbunden
link-reconnecting = verbindet neu (Versuch { $attempt })
link-not-paired = keine Pumpe gekoppelt
link-failed = { $failure } (neuer Versuch in Kürze)
link-stopped = gestoppt
failure-bluetooth-off = Bluetooth ist aus
failure-permission = Bluetooth ist nicht erlaubt
failure-out-of-range = Ihre Pumpe ist außer Reichweite
failure-pairing-refused = Kopplung abgelehnt
failure-mismatch = eine Pumpe, die nicht Ihre ist
failure-storage = Speichern nicht möglich (Speicher)
failure-internal = interner Fehler, Neustart
event-alarm = Alarm: { $alarm }
event-link-lost = Verbindung verloren: verbindet sich selbst neu
dose-per-day = { $dose }/Tag
event-pump-identified = Pumpe erkannt: { $model } { $serial }
event-paired = gekoppelt: { $model } { $serial }
event-unpaired = entkoppelt: { $serial }
# Prognosedaten, so genau, wie ihre 80-%-Spanne es erlaubt.
forecast-today = heute
forecast-tomorrow = morgen
forecast-on = am { $date }
forecast-around = um den { $date } ({ $span })
forecast-around-month = etwa im { $date } ({ $span })
forecast-week-of = in der Woche vom { $date } ({ $span })
forecast-in = im { $date }
forecast-between = zwischen dem { $from } und dem { $to }
forecast-between-months = zwischen { $from } und { $to }
shared-status-none = Kein Status geteilt
shared-status-age = Status von vor { $age }
shared-status-ended = Statusfreigabe beendet: { $date }
shared-status-link-lost = Verbindung zur Pumpe verloren
shared-status-what = Status: Reservoir, Batterie, vorhergesagte Termine, Verbindung zur Pumpe und offene Alarme
