# Thecal: la schermata principale (italiano, tradotto dall'inglese): la pompa, il collegamento, il
# serbatoio, la batteria, gli allarmi e le date previste con la precisione che il loro intervallo consente.
app-title = Thecal · pompa simulata
pump-none = Nessuna pompa associata
pump-line = { $manufacturer } { $model } · n. di serie { $serial }
freshness-fresh = aggiornato
freshness-updating = aggiornamento…
freshness-stale = NON AGGIORNATO
freshness-very-stale = MOLTO VECCHIO
freshness-no-data = ancora nessun dato
link-label = Collegamento
link-via = via { $transport }
link-rejected = frame rifiutati { $count }
link-radio = radio attiva { $seconds } s/h (ultimo minuto)
last-reading = Ultima lettura { $age } fa
now = ora { $time }
age-seconds = { $n } s
age-minutes = { $n } min
age-hours = { $n } h
age-days = { $n ->
    [one] { $n } giorno
   *[other] { $n } giorni
}
no-reading = Ancora nessuna lettura.
section-reservoir = Serbatoio
reservoir-gauge = { $volume } di { $capacity } mL ({ $percent } %)
uses-per-day = Usa { $volume } mL al giorno
low = Basso
low-now = ORA: prenoti una ricarica
empty = Vuoto
refill-more-left = All'ultima ricarica era rimasto il { $percent } % in più di quanto la pompa prevedeva: potrebbe esserle arrivato meno farmaco. Ne parli con il suo centro.
refill-less-left = All'ultima ricarica era rimasto il { $percent } % in meno di quanto la pompa prevedeva: potrebbe esserle arrivato più farmaco. Ne parli con il suo centro.
refill-as-expected = L'ultima ricarica è andata come previsto.
last-refill = Ultima ricarica { $date }: { $drug } { $concentration }, { $dose }
drug-changed = farmaco o concentrazione cambiati
section-battery = Batteria
not-enough-history = storico ancora insufficiente
replace-battery = Sostituire la batteria
plan-pump-replacement = Programmare la sostituzione della pompa
confidence-high = (alta affidabilità)
confidence-low = (stima approssimativa)
infusion-stops = L'infusione si ferma
eri-reached = { $days ->
    [one] Il segnale di sostituzione della batteria è attivo: manca { $days } giorno all'arresto dell'infusione
   *[other] Il segnale di sostituzione della batteria è attivo: mancano { $days } giorni all'arresto dell'infusione
}
section-alarms = Allarmi ({ $count })
column-alarm = allarme
column-raised = attivato
column-state = stato
alarm-active = attivo
alarm-unknown = sconosciuto (scollegato)
alarm-acknowledged = confermato
section-events = Eventi in diretta
link-idle = inattivo
link-scanning = ricerca della pompa
link-connecting = connessione
link-connected = Connesso
link-reconnecting = riconnessione (tentativo { $attempt })
link-not-paired = nessuna pompa associata
link-failed = { $failure } (nuovo tentativo a breve)
link-stopped = fermo
failure-bluetooth-off = il Bluetooth è spento
failure-permission = il Bluetooth non è autorizzato
failure-out-of-range = la pompa è fuori portata
failure-pairing-refused = associazione rifiutata
failure-mismatch = una pompa che non è la sua
failure-storage = impossibile salvare (memoria)
failure-internal = errore interno, riavvio
event-alarm = allarme: { $alarm }
event-link-lost = collegamento perso: si riconnette da solo
dose-per-day = { $dose }/giorno
event-pump-identified = pompa identificata: { $model } { $serial }
event-paired = associata: { $model } { $serial }
event-unpaired = dissociata: { $serial }
# Date previste, con la precisione che il loro intervallo all'80 % consente.
forecast-today = oggi
forecast-tomorrow = domani
forecast-on = il giorno { $date }
forecast-around = { $date } circa ({ $span })
forecast-around-month = { $date } circa ({ $span })
forecast-week-of = nella settimana del giorno { $date } ({ $span })
forecast-in = a { $date }
forecast-between = tra { $from } e { $to }
forecast-between-months = tra { $from } e { $to }
shared-status-none = Nessuno stato condiviso
shared-status-age = Stato di { $age } fa
shared-status-ended = Condivisione dello stato terminata: { $date }
shared-status-link-lost = collegamento con la pompa perso
shared-status-what = Stato: serbatoio, batteria, date previste, collegamento con la pompa e allarmi aperti
