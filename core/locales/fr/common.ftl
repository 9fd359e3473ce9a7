# Thecal : les mots communs à toutes les parties de l'application (français, traduit de l'anglais). Nombres,
# dates et notes affichées sous un texte de sécurité qu'aucun clinicien n'a encore vérifié dans la langue du lecteur.
language-name = Français
# Écrit entre la partie entière et la partie décimale d'un nombre (1,5 T).
decimal-separator = ,
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre
# Un jour du mois seul, tel qu'écrit avant un mois (« entre 10 et 14 mars »). Le 1 s'écrit « 1er ».
label-value = { $label } : { $value }
date-day = { $day ->
    [1] { $day }er
   *[other] { $day }
}
date-day-month = { $day ->
    [1] { $day }er { $month }
   *[other] { $day } { $month }
}
date-day-month-year = { $day ->
    [1] { $day }er { $month } { $year }
   *[other] { $day } { $month } { $year }
}
date-month-year = { $month } { $year }
# Affichée sous un texte de sécurité (un signe d'alerte, le conseil d'une alarme, la section IRM de la carte)
# dont aucun clinicien n'a encore vérifié la traduction : le texte anglais est affiché à la place.
review-note-translation = Pas encore vérifié dans votre langue ({ $language }) : texte affiché en anglais.
# Affichée sous un texte de sécurité qu'aucun clinicien n'a encore vérifié, dans aucune langue.
review-note-unreviewed = Pas encore vérifié par un professionnel de santé.
