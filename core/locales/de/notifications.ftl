# Thecal: die Benachrichtigungen, die das Telefon zeigt (Deutsch, aus dem Englischen übersetzt).
# Kurze Titel; der Text sagt, was zu tun ist. Der Text zum leeren Reservoir ist eine Sicherheitsmeldung.
reminder-plan-body = Teil Ihres Genesungsplans. Öffnen Sie Thecal, um zu sehen, was Sie mitbringen und was Sie fragen sollten.
reminder-own-body = Öffnen Sie Thecal, um es als erledigt zu markieren.
mri-check-title = Lassen Sie Ihre Pumpe nach der MRT überprüfen
mri-check-body = Ihre MRT ist vorbei. Rufen Sie Ihre Klinik an, um die Pumpe überprüfen zu lassen, und tragen Sie es dann in Thecal ein.
refill-book-title = Vereinbaren Sie das Auffüllen Ihrer Pumpe
refill-book-body = Das Reservoir Ihrer Pumpe wird in etwa zwei Wochen niedrig. Vereinbaren Sie jetzt den Termin zum Auffüllen mit Ihrer Klinik.
refill-due-title = Ihre Pumpe muss aufgefüllt werden
refill-due-body = Das Reservoir kann ab heute seinen niedrigen Stand erreicht haben. Vergewissern Sie sich, dass Ihr Termin zum Auffüllen vereinbart ist.
reservoir-empty-title = Ihre Pumpe kann in wenigen Tagen leer sein
reservoir-empty-body = Rufen Sie heute Ihre Klinik an, um die Pumpe auffüllen zu lassen: Wenn das Reservoir leer ist, stoppt das Medikament, und es kann zu einem Entzug kommen.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
eos-title-battery = { $days ->
    [0] Batterie der Pumpe wechseln: Die Batterie kann heute leer sein
    [one] Batterie der Pumpe wechseln: Die Batterie kann in { $days } Tag leer sein
   *[other] Batterie der Pumpe wechseln: Die Batterie kann in { $days } Tagen leer sein
}
eos-title-pump = { $days ->
    [0] Pumpenaustausch: Die Batterie kann heute leer sein
    [one] Pumpenaustausch: Die Batterie kann in { $days } Tag leer sein
   *[other] Pumpenaustausch: Die Batterie kann in { $days } Tagen leer sein
}
eos-body = Wenn die Batterie leer ist, stoppt auch das Medikament. Vergewissern Sie sich, dass Ihre Klinik den Austausch geplant hat.
eri-title-battery = Batterie der Pumpe wechseln: Zeit, es zu planen
eri-title-pump = Pumpenaustausch: Zeit, ihn zu planen
eri-body = Die Batterie der Pumpe muss voraussichtlich in den kommenden Monaten ersetzt werden. Sprechen Sie beim nächsten Termin mit Ihrer Klinik darüber.
