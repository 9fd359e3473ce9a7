# Thecal: was Angehörige erfahren (Deutsch, aus dem Englischen übersetzt): kurze Titel; der Text sagt,
# was geschieht und was zu tun ist. Was bei einem Pumpenalarm oder einer leeren Batterie zu tun ist, ist
# eine Sicherheitsmeldung (.written, .review: docs/localisation.md).
pump-alarm-title = Pumpenalarm
alert-alarm-reservoir_low = Die Pumpe meldet, dass ihr Reservoir niedrig ist: Es muss bald aufgefüllt werden.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-reservoir_empty = Die Pumpe meldet, dass ihr Reservoir leer ist: Die Infusion kann stoppen. Rufen Sie jetzt die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eri = Die Pumpe meldet, dass ihre Batterie ersetzt werden muss: Die Klinik sollte das planen.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eos = Die Batterie der Pumpe ist erschöpft: Die Infusion hat möglicherweise gestoppt. Rufen Sie jetzt die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-catheter_occlusion = Die Pumpe meldet einen möglicherweise verstopften Katheter. Rufen Sie jetzt die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-motor_stall = Der Pumpenmotor hat gestoppt: Die Infusion hat möglicherweise gestoppt. Rufen Sie jetzt die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-clock_error = Die Uhr der Pumpe geht falsch: Die Dosierzeiten können abweichen. Rufen Sie die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-pump_fault = Die Pumpe hat einen internen Fehler festgestellt. Rufen Sie jetzt die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-unrecognised = Die Pumpe hat einen Alarm gegeben, den diese App nicht kennt. Rufen Sie die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
refill-due-title = Auffüllen bald fällig
refill-due-body = Das Reservoir der Pumpe muss bald aufgefüllt werden.
refill-due-body-when = Das Reservoir der Pumpe wird { $when } niedrig sein. Prüfen Sie, ob ein Termin zum Auffüllen vereinbart ist.
refill-appointment-title = Auffülltermin heute
refill-appointment-body = Das Auffüllen der Pumpe ist heute um { $time } Uhr geplant.
refill-appointment-body-place = Das Auffüllen der Pumpe ist heute um { $time } Uhr geplant ({ $place }).
reservoir-low-title = Reservoir niedrig
reservoir-low-body = Das Reservoir der Pumpe ist niedrig. Es muss jetzt aufgefüllt werden.
battery-eos-title = Pumpenbatterie leer
battery-eos-body = Die Batterie der Pumpe ist erschöpft: Die Pumpe hat möglicherweise gestoppt. Rufen Sie jetzt die Klinik an.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
battery-eri-title = Pumpenaustausch nötig
battery-eri-body = Die Pumpe meldet, dass ihre Batterie ersetzt werden muss. Die Klinik sollte den Austausch planen.
battery-forecast-title = Pumpenaustausch steht bevor
battery-forecast-body = Die Batterie der Pumpe muss in den kommenden Monaten ersetzt werden.
battery-forecast-body-when = Die Batterie der Pumpe muss voraussichtlich { $when } ersetzt werden.
link-lost-title = Keine Nachricht von der Pumpe
link-lost-body = { $minutes ->
    [one] Das Telefon der Patientin oder des Patienten hat die Pumpe seit mehr als { $minutes } Minute nicht erreicht.
   *[other] Das Telefon der Patientin oder des Patienten hat die Pumpe seit mehr als { $minutes } Minuten nicht erreicht.
}
reservoir-below-title = Reservoir wird knapp
reservoir-below-body = Das Reservoir der Pumpe ist bei { $percent } % oder darunter. Prüfen Sie, ob eine Befüllung geplant ist.
reservoir-below-ml-body = Das Reservoir der Pumpe enthält { $ml } mL oder weniger. Prüfen Sie, ob eine Befüllung geplant ist.
refill-check-title = Befüllung mit der Klinik besprechen
refill-check-body = Bei der letzten Befüllung war die Restmenge in der Pumpe nicht wie erwartet. Die Klinik sollte das prüfen.
battery-eos-soon-title = Pumpenwechsel dringend
battery-eos-soon-body = { $days ->
    [one] Die Batterie der Pumpe erreicht voraussichtlich in etwa { $days } Tag ihr Ende: Der Wechsel muss vorher erfolgen. Klären Sie den Termin mit der Klinik.
   *[other] Die Batterie der Pumpe erreicht voraussichtlich in etwa { $days } Tagen ihr Ende: Der Wechsel muss vorher erfolgen. Klären Sie den Termin mit der Klinik.
}
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
# Hinweise des Relais zum Telefon des Patienten (Protokoll §9): Fakten, keine Ratschläge.
phone-silent-title = Keine Nachricht vom Telefon von { $patient }
phone-silent-body = Das Telefon von { $patient } hat sich seit { $since } nicht gemeldet. Es ist vielleicht ausgeschaltet, leer oder ohne Netz.
phone-back-title = Das Telefon von { $patient } ist zurück
phone-back-body = Das Telefon von { $patient } meldet sich wieder (zuletzt gehört: { $since }).
