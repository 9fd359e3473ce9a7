# Thecal: le notifiche che il telefono mostra (italiano, tradotto dall'inglese). Titoli brevi; il
# testo dice cosa fare. Il testo sul serbatoio vuoto è un messaggio di sicurezza.
reminder-plan-body = Fa parte del suo piano di recupero. Apra Thecal per vedere cosa portare e cosa chiedere.
reminder-own-body = Apra Thecal per segnarlo come fatto.
mri-check-title = Faccia controllare la pompa dopo la RM
mri-check-body = La RM è terminata. Chiami il suo centro per far controllare la pompa, poi lo registri in Thecal.
refill-book-title = Prenoti la ricarica della pompa
refill-book-body = Il serbatoio della pompa sarà basso tra circa due settimane. Prenoti ora la visita di ricarica presso il suo centro.
refill-due-title = È il momento della ricarica della pompa
refill-due-body = Il serbatoio potrebbe essere al livello basso da oggi. Si assicuri che la visita di ricarica sia prenotata.
reservoir-empty-title = La pompa potrebbe svuotarsi entro pochi giorni
reservoir-empty-body = Chiami oggi il suo centro per una ricarica: quando il serbatoio è vuoto il farmaco si interrompe e può comparire una crisi di astinenza.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
eos-title-battery = { $days ->
    [0] Sostituzione della batteria della pompa: la batteria potrebbe fermarsi oggi
    [one] Sostituzione della batteria della pompa: la batteria potrebbe fermarsi tra { $days } giorno
   *[other] Sostituzione della batteria della pompa: la batteria potrebbe fermarsi tra { $days } giorni
}
eos-title-pump = { $days ->
    [0] Sostituzione della pompa: la batteria potrebbe fermarsi oggi
    [one] Sostituzione della pompa: la batteria potrebbe fermarsi tra { $days } giorno
   *[other] Sostituzione della pompa: la batteria potrebbe fermarsi tra { $days } giorni
}
eos-body = Quando la batteria si ferma, si ferma anche il farmaco. Si assicuri che il suo centro abbia programmato la sostituzione.
eri-title-battery = Sostituzione della batteria della pompa: è ora di programmarla
eri-title-pump = Sostituzione della pompa: è ora di programmarla
eri-body = Secondo le previsioni, la batteria della pompa andrà sostituita nei prossimi mesi. Ne parli con il suo centro alla prossima visita.
