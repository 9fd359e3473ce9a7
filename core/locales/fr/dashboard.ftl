# Thecal : l'écran d'accueil (français, traduit de l'anglais) : la pompe, la liaison, le réservoir,
# la pile, les alarmes, et les dates prévues à la précision que permet leur intervalle.
app-title = Thecal · pompe simulée
pump-none = Aucune pompe appairée
pump-line = { $manufacturer } { $model } · n° de série { $serial }
freshness-fresh = à jour
freshness-updating = mise à jour…
freshness-stale = PAS À JOUR
freshness-very-stale = TRÈS EN RETARD
freshness-no-data = pas encore de données
link-label = Liaison
link-via = via { $transport }
link-rejected = trames rejetées { $count }
link-radio = radio active { $seconds } s/h (dernière minute)
last-reading = Dernier relevé il y a { $age }
now = maintenant { $time }
age-seconds = { $n } s
age-minutes = { $n } min
age-hours = { $n } h
age-days = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}
no-reading = Aucun relevé pour l'instant.
section-reservoir = Réservoir
reservoir-gauge = { $volume } sur { $capacity } mL ({ $percent } %)
uses-per-day = Consomme { $volume } mL par jour
low = Bas
low-now = MAINTENANT : prévoyez un remplissage
empty = Vide
refill-more-left = Au dernier remplissage, il restait { $percent } % de plus que prévu par la pompe : vous avez peut-être reçu moins de médicament. Parlez-en à votre centre.
refill-less-left = Au dernier remplissage, il restait { $percent } % de moins que prévu par la pompe : vous avez peut-être reçu plus de médicament. Parlez-en à votre centre.
refill-as-expected = Le dernier remplissage était conforme aux prévisions.
last-refill = Dernier remplissage le { $date } : { $drug } { $concentration }, { $dose }
drug-changed = médicament ou concentration modifiés
section-battery = Pile
not-enough-history = historique encore insuffisant
replace-battery = Remplacer la pile
plan-pump-replacement = Prévoir le remplacement de la pompe
confidence-high = (fiabilité élevée)
confidence-low = (estimation approximative)
infusion-stops = Arrêt de la perfusion
eri-reached = { $days ->
    [one] Le signal de remplacement de la pile est allumé : il reste { $days } jour avant l'arrêt de la perfusion
   *[other] Le signal de remplacement de la pile est allumé : il reste { $days } jours avant l'arrêt de la perfusion
}
section-alarms = Alarmes ({ $count })
column-alarm = alarme
column-raised = déclenchée
column-state = état
alarm-active = active
alarm-unknown = inconnue (hors ligne)
alarm-acknowledged = acquittée
section-events = Événements en direct
link-idle = en veille
link-scanning = recherche de votre pompe
link-connecting = connexion
link-connected = Connectée
link-reconnecting = reconnexion (essai { $attempt })
link-not-paired = aucune pompe appairée
link-failed = { $failure } (nouvel essai bientôt)
link-stopped = arrêtée
failure-bluetooth-off = le Bluetooth est désactivé
failure-permission = le Bluetooth n'est pas autorisé
failure-out-of-range = votre pompe est hors de portée
failure-pairing-refused = appairage refusé
failure-mismatch = une pompe qui n'est pas la vôtre
failure-storage = enregistrement impossible (stockage)
failure-internal = erreur interne, redémarrage
event-alarm = alarme : { $alarm }
event-link-lost = liaison perdue : reconnexion automatique
dose-per-day = { $dose }/jour
event-pump-identified = pompe identifiée : { $model } { $serial }
event-paired = appairée : { $model } { $serial }
event-unpaired = désappairée : { $serial }
# Dates prévues, à la précision que permet leur intervalle à 80 %.
forecast-today = aujourd'hui
forecast-tomorrow = demain
forecast-on = le { $date }
forecast-around = vers le { $date } ({ $span })
forecast-around-month = vers { $date } ({ $span })
forecast-week-of = dans la semaine du { $date } ({ $span })
forecast-in = en { $date }
forecast-between = entre le { $from } et le { $to }
forecast-between-months = entre { $from } et { $to }
shared-status-none = Aucun état partagé
shared-status-age = État d'il y a { $age }
shared-status-ended = Partage de l'état arrêté : { $date }
shared-status-link-lost = liaison avec la pompe perdue
shared-status-what = État : réservoir, pile, dates prévues, liaison avec la pompe et alarmes en cours
