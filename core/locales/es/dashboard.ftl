# Thecal: la pantalla de inicio (español, traducido del inglés): la bomba, la conexión, el reservorio,
# la batería, las alarmas y las fechas previstas con la precisión que permite su intervalo.
app-title = Thecal · bomba simulada
pump-none = Aún no hay bomba emparejada
pump-line = { $manufacturer } { $model } · n.º de serie { $serial }
freshness-fresh = actualizado
freshness-updating = actualizando…
freshness-stale = DESACTUALIZADO
freshness-very-stale = MUY DESACTUALIZADO
freshness-no-data = aún sin datos
link-label = Conexión
link-via = vía { $transport }
link-rejected = tramas rechazadas { $count }
link-radio = radio activa { $seconds } s/h (último minuto)
last-reading = Última lectura hace { $age }
now = ahora { $time }
age-seconds = { $n } s
age-minutes = { $n } min
age-hours = { $n } h
age-days = { $n ->
    [one] { $n } día
   *[other] { $n } días
}
no-reading = Aún no hay lecturas.
section-reservoir = Reservorio
reservoir-gauge = { $volume } de { $capacity } mL ({ $percent } %)
uses-per-day = Usa { $volume } mL al día
low = Bajo
low-now = AHORA: pida cita para rellenar
empty = Vacío
refill-more-left = En el último rellenado quedaba un { $percent } % más de lo que la bomba esperaba: puede que le haya llegado menos medicamento. Hable con su centro.
refill-less-left = En el último rellenado quedaba un { $percent } % menos de lo que la bomba esperaba: puede que le haya llegado más medicamento. Hable con su centro.
refill-as-expected = El último rellenado fue el esperado.
last-refill = Último rellenado { $date }: { $drug } { $concentration }, { $dose }
drug-changed = cambio de medicamento o de concentración
section-battery = Batería
not-enough-history = aún no hay historial suficiente
replace-battery = Cambiar la batería
plan-pump-replacement = Planificar la sustitución de la bomba
confidence-high = (alta fiabilidad)
confidence-low = (estimación aproximada)
infusion-stops = La infusión se detiene
eri-reached = { $days ->
    [one] La señal de sustitución de la batería está activa: queda { $days } día antes de que se detenga la infusión
   *[other] La señal de sustitución de la batería está activa: quedan { $days } días antes de que se detenga la infusión
}
section-alarms = Alarmas ({ $count })
column-alarm = alarma
column-raised = activada
column-state = estado
alarm-active = activa
alarm-unknown = desconocida (sin conexión)
alarm-acknowledged = reconocida
section-events = Eventos en directo
link-idle = inactiva
link-scanning = buscando su bomba
link-connecting = conectando
link-connected = Conectada
link-reconnecting = reconectando (intento { $attempt })
link-not-paired = no hay bomba emparejada
link-failed = { $failure } (se volverá a intentar pronto)
link-stopped = detenida
failure-bluetooth-off = el Bluetooth está desactivado
failure-permission = el Bluetooth no está permitido
failure-out-of-range = su bomba está fuera de alcance
failure-pairing-refused = emparejamiento rechazado
failure-mismatch = una bomba que no es la suya
failure-storage = no se puede guardar (almacenamiento)
failure-internal = error interno, reiniciando
event-alarm = alarma: { $alarm }
event-link-lost = conexión perdida: se reconecta sola
dose-per-day = { $dose }/día
event-pump-identified = bomba identificada: { $model } { $serial }
event-paired = vinculada: { $model } { $serial }
event-unpaired = desvinculada: { $serial }
# Fechas previstas, con la precisión que permite su intervalo del 80 %.
forecast-today = hoy
forecast-tomorrow = mañana
forecast-on = el { $date }
forecast-around = hacia el { $date } ({ $span })
forecast-around-month = hacia { $date } ({ $span })
forecast-week-of = en la semana del { $date } ({ $span })
forecast-in = en { $date }
forecast-between = entre el { $from } y el { $to }
forecast-between-months = entre { $from } y { $to }
shared-status-none = No se comparte ningún estado
shared-status-age = Estado de hace { $age }
shared-status-ended = Se dejó de compartir el estado: { $date }
shared-status-link-lost = conexión con la bomba perdida
shared-status-what = Estado: reservorio, batería, fechas previstas, conexión con la bomba y alarmas abiertas
