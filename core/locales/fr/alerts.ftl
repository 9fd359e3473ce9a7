# Thecal : ce que l'on dit aux aidants (français, traduit de l'anglais) : titres courts ; le texte
# dit ce qui se passe et quoi faire. Que faire face à une alarme de la pompe ou à une pile vide est un
# message de sécurité (.written, .review : docs/localisation.md).
pump-alarm-title = Alarme de la pompe
alert-alarm-reservoir_low = La pompe indique que son réservoir est bas : un remplissage sera bientôt nécessaire.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-reservoir_empty = La pompe indique que son réservoir est vide : la perfusion peut s'arrêter. Appelez le centre maintenant.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eri = La pompe indique que sa pile doit être remplacée : le centre doit le prévoir.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eos = La pile de la pompe est arrivée en fin de vie : la perfusion s'est peut-être arrêtée. Appelez le centre maintenant.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-catheter_occlusion = La pompe signale un possible blocage du cathéter. Appelez le centre maintenant.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-motor_stall = Le moteur de la pompe s'est arrêté : la perfusion s'est peut-être arrêtée. Appelez le centre maintenant.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-clock_error = L'horloge de la pompe n'est pas à l'heure : les horaires des doses peuvent être décalés. Appelez le centre.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-pump_fault = La pompe a détecté un défaut interne. Appelez le centre maintenant.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-unrecognised = La pompe a déclenché une alarme que cette application ne connaît pas. Appelez le centre.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
refill-due-title = Remplissage bientôt nécessaire
refill-due-body = Le réservoir de la pompe devra bientôt être rempli.
refill-due-body-when = Le réservoir de la pompe sera bas { $when }. Vérifiez qu'un rendez-vous de remplissage est pris.
refill-appointment-title = Rendez-vous de remplissage aujourd'hui
refill-appointment-body = Le remplissage de la pompe est prévu aujourd'hui à { $time }.
refill-appointment-body-place = Le remplissage de la pompe est prévu aujourd'hui à { $time } ({ $place }).
reservoir-low-title = Réservoir bas
reservoir-low-body = Le réservoir de la pompe est bas. Un remplissage est nécessaire dès maintenant.
battery-eos-title = Pile de la pompe vide
battery-eos-body = La pile de la pompe est arrivée en fin de vie : la pompe s'est peut-être arrêtée. Appelez le centre maintenant.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
battery-eri-title = Remplacement de la pompe nécessaire
battery-eri-body = La pompe indique que sa pile doit être remplacée. Le centre doit prévoir le remplacement.
battery-forecast-title = Remplacement de la pompe à venir
battery-forecast-body = La pile de la pompe devra être remplacée dans les prochains mois.
battery-forecast-body-when = Selon les prévisions, la pile de la pompe devra être remplacée { $when }.
link-lost-title = Pas de nouvelles de la pompe
link-lost-body = { $minutes ->
    [one] Le téléphone du patient n'a pas pu joindre la pompe depuis plus de { $minutes } minute.
   *[other] Le téléphone du patient n'a pas pu joindre la pompe depuis plus de { $minutes } minutes.
}
reservoir-below-title = Réservoir bientôt bas
reservoir-below-body = Le réservoir de la pompe est à { $percent } % ou moins. Vérifiez qu'un remplissage est prévu.
reservoir-below-ml-body = Le réservoir de la pompe contient { $ml } mL ou moins. Vérifiez qu'un remplissage est prévu.
refill-check-title = Remplissage à discuter avec le centre
refill-check-body = Au dernier remplissage, la quantité restant dans la pompe n'était pas celle attendue. Le centre devrait vérifier.
battery-eos-soon-title = Remplacement de la pompe urgent
battery-eos-soon-body = { $days ->
    [one] La pile de la pompe devrait arriver en fin de vie dans environ { $days } jour : le remplacement doit avoir lieu avant. Vérifiez la date avec le centre.
   *[other] La pile de la pompe devrait arriver en fin de vie dans environ { $days } jours : le remplacement doit avoir lieu avant. Vérifiez la date avec le centre.
}
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
# Les avis du relais sur le téléphone du patient (protocole §9) : des faits, sans conseil.
phone-silent-title = Pas de nouvelles du téléphone de { $patient }
phone-silent-body = Le téléphone de { $patient } ne s'est pas manifesté depuis { $since }. Il est peut-être éteint, déchargé ou sans réseau.
phone-back-title = Le téléphone de { $patient } est de retour
phone-back-body = Le téléphone de { $patient } se manifeste de nouveau (dernières nouvelles : { $since }).
