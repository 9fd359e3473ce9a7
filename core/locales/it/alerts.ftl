# Thecal: cosa viene detto a chi assiste il paziente (italiano, tradotto dall'inglese): titoli brevi;
# il testo dice cosa succede e cosa fare. Cosa fare in caso di allarme della pompa o di batteria esaurita
# è un messaggio di sicurezza (.written, .review: docs/localisation.md).
pump-alarm-title = Allarme della pompa
alert-alarm-reservoir_low = La pompa segnala che il serbatoio è basso: a breve servirà una ricarica.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-reservoir_empty = La pompa segnala che il serbatoio è vuoto: l'infusione potrebbe fermarsi. Chiami subito il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eri = La pompa segnala che la batteria va sostituita: il centro dovrebbe programmare la sostituzione.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eos = La batteria della pompa è esaurita: l'infusione potrebbe essersi fermata. Chiami subito il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-catheter_occlusion = La pompa segnala una possibile ostruzione del catetere. Chiami subito il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-motor_stall = Il motore della pompa si è fermato: l'infusione potrebbe essersi fermata. Chiami subito il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-clock_error = L'orologio della pompa è sbagliato: gli orari delle dosi potrebbero non essere corretti. Chiami il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-pump_fault = La pompa ha rilevato un guasto interno. Chiami subito il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-unrecognised = La pompa ha emesso un allarme che questa app non conosce. Chiami il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
refill-due-title = Ricarica a breve
refill-due-body = Il serbatoio della pompa avrà presto bisogno di una ricarica.
refill-due-body-when = Il serbatoio della pompa sarà basso: { $when }. Verifichi che la ricarica sia prenotata.
refill-appointment-title = Appuntamento per la ricarica oggi
refill-appointment-body = La ricarica della pompa è prevista oggi alle { $time }.
refill-appointment-body-place = La ricarica della pompa è prevista oggi alle { $time } ({ $place }).
reservoir-low-title = Serbatoio basso
reservoir-low-body = Il serbatoio della pompa è basso. Serve una ricarica ora.
battery-eos-title = Batteria della pompa esaurita
battery-eos-body = La batteria della pompa è esaurita: la pompa potrebbe essersi fermata. Chiami subito il centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
battery-eri-title = Serve la sostituzione della pompa
battery-eri-body = La pompa segnala che la batteria va sostituita. Il centro dovrebbe programmare la sostituzione.
battery-forecast-title = Sostituzione della pompa in arrivo
battery-forecast-body = La batteria della pompa andrà sostituita nei prossimi mesi.
battery-forecast-body-when = Data prevista per la sostituzione della batteria della pompa: { $when }.
link-lost-title = Nessuna notizia dalla pompa
link-lost-body = { $minutes ->
    [one] Il telefono del paziente non si collega alla pompa da più di { $minutes } minuto.
   *[other] Il telefono del paziente non si collega alla pompa da più di { $minutes } minuti.
}
reservoir-below-title = Serbatoio quasi vuoto
reservoir-below-body = Il serbatoio della pompa è al { $percent } % o meno. Verificare che la ricarica sia prenotata.
reservoir-below-ml-body = Il serbatoio della pompa contiene { $ml } mL o meno. Verificare che la ricarica sia prenotata.
refill-check-title = Ricarica da discutere con il centro
refill-check-body = All'ultima ricarica, la quantità rimasta nella pompa non era quella attesa. Il centro dovrebbe verificare.
battery-eos-soon-title = Sostituzione della pompa urgente
battery-eos-soon-body = { $days ->
    [one] Si prevede che la batteria della pompa si esaurisca tra circa { $days } giorno: la sostituzione deve avvenire prima. Verificare la data con il centro.
   *[other] Si prevede che la batteria della pompa si esaurisca tra circa { $days } giorni: la sostituzione deve avvenire prima. Verificare la data con il centro.
}
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
# Gli avvisi del relay sul telefono del paziente (protocollo §9): fatti, nessun consiglio.
phone-silent-title = Nessuna notizia dal telefono di { $patient }
phone-silent-body = Il telefono di { $patient } non si fa sentire da { $since }. Potrebbe essere spento, scarico o senza rete.
phone-back-title = Il telefono di { $patient } è tornato
phone-back-body = Il telefono di { $patient } si fa di nuovo sentire (ultima notizia: { $since }).
