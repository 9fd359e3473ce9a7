# Thecal: parole comuni a tutte le parti dell'app (italiano, tradotto dall'inglese). Numeri, date e
# le note mostrate accanto a un testo di sicurezza che nessun medico ha ancora verificato nella lingua di chi legge.
language-name = Italiano
# Scritto tra la parte intera e la parte decimale di un numero (1,5 T).
decimal-separator = ,
month-1 = gennaio
month-2 = febbraio
month-3 = marzo
month-4 = aprile
month-5 = maggio
month-6 = giugno
month-7 = luglio
month-8 = agosto
month-9 = settembre
month-10 = ottobre
month-11 = novembre
month-12 = dicembre
# Un giorno del mese da solo, come scritto prima di un mese ("tra 10 e 14 marzo").
label-value = { $label }: { $value }
date-day = { $day }
date-day-month = { $day } { $month }
date-day-month-year = { $day } { $month } { $year }
date-month-year = { $month } { $year }
# Mostrata sotto un testo di sicurezza (un segnale d'allarme, il consiglio di un allarme, la sezione RM
# della tessera) la cui traduzione non è ancora stata verificata da un medico: viene mostrato il testo inglese.
review-note-translation = Non ancora verificato nella sua lingua ({ $language }): mostrato in inglese.
# Mostrata sotto un testo di sicurezza che nessun medico ha ancora verificato in nessuna lingua.
review-note-unreviewed = Non ancora verificato da un professionista sanitario.
