# Thecal : les notifications affichées par le téléphone (français, traduit de l'anglais). Titres
# courts ; le texte dit quoi faire. Le texte « réservoir vide » est un message de sécurité.
reminder-plan-body = Fait partie de votre plan de rétablissement. Ouvrez Thecal pour savoir quoi apporter et quoi demander.
reminder-own-body = Ouvrez Thecal pour le marquer comme fait.
mri-check-title = Faites contrôler votre pompe après votre IRM
mri-check-body = Votre IRM est terminée. Appelez votre centre pour faire contrôler la pompe, puis notez-le dans Thecal.
refill-book-title = Prenez rendez-vous pour le remplissage de votre pompe
refill-book-body = Le réservoir de votre pompe sera bas dans environ deux semaines. Prenez dès maintenant rendez-vous avec votre centre pour le remplissage.
refill-due-title = C'est le moment du remplissage de votre pompe
refill-due-body = Le réservoir peut être à son niveau bas dès aujourd'hui. Vérifiez que votre rendez-vous de remplissage est bien pris.
reservoir-empty-title = Votre pompe pourrait être vide d'ici quelques jours
reservoir-empty-body = Appelez votre centre aujourd'hui pour un remplissage : quand le réservoir est vide, le médicament s'arrête, et un sevrage peut survenir.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
eos-title-battery = { $days ->
    [0] Changement de la pile de la pompe : la pile pourrait s'arrêter aujourd'hui
    [one] Changement de la pile de la pompe : la pile pourrait s'arrêter dans { $days } jour
   *[other] Changement de la pile de la pompe : la pile pourrait s'arrêter dans { $days } jours
}
eos-title-pump = { $days ->
    [0] Remplacement de la pompe : la pile pourrait s'arrêter aujourd'hui
    [one] Remplacement de la pompe : la pile pourrait s'arrêter dans { $days } jour
   *[other] Remplacement de la pompe : la pile pourrait s'arrêter dans { $days } jours
}
eos-body = Quand la pile s'arrête, le médicament s'arrête aussi. Vérifiez que votre centre a prévu le remplacement.
eri-title-battery = Changement de la pile de la pompe : il est temps de le prévoir
eri-title-pump = Remplacement de la pompe : il est temps de le prévoir
eri-body = Selon les prévisions, la pile de la pompe devra être remplacée dans les prochains mois. Parlez-en à votre centre lors de votre prochaine visite.
