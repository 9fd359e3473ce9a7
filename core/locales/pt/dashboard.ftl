# Thecal: o ecrã inicial (português europeu, traduzido do inglês): a bomba, a ligação, o reservatório,
# a bateria, os alarmes e as datas previstas com a precisão que o seu intervalo permite.
app-title = Thecal · bomba simulada
pump-none = Ainda sem bomba emparelhada
pump-line = { $manufacturer } { $model } · n.º de série { $serial }
freshness-fresh = atualizado
freshness-updating = a atualizar…
freshness-stale = DESATUALIZADO
freshness-very-stale = MUITO DESATUALIZADO
freshness-no-data = ainda sem dados
link-label = Ligação
link-via = via { $transport }
link-rejected = tramas rejeitadas { $count }
link-radio = rádio ligado { $seconds } s/h (último minuto)
last-reading = Última leitura há { $age }
now = agora { $time }
age-seconds = { $n } s
age-minutes = { $n } min
age-hours = { $n } h
age-days = { $n ->
    [one] { $n } dia
   *[other] { $n } dias
}
no-reading = Ainda sem leituras.
section-reservoir = Reservatório
reservoir-gauge = { $volume } de { $capacity } mL ({ $percent } %)
uses-per-day = Gasta { $volume } mL por dia
low = Baixo
low-now = AGORA: marque um enchimento
empty = Vazio
refill-more-left = No último enchimento restavam mais { $percent } % do que a bomba esperava: pode ter-lhe chegado menos medicamento. Fale com o seu centro.
refill-less-left = No último enchimento restavam menos { $percent } % do que a bomba esperava: pode ter-lhe chegado mais medicamento. Fale com o seu centro.
refill-as-expected = O último enchimento correu como esperado.
last-refill = Último enchimento { $date }: { $drug } { $concentration }, { $dose }
drug-changed = medicamento ou concentração alterados
section-battery = Bateria
not-enough-history = ainda sem histórico suficiente
replace-battery = Substituir a bateria
plan-pump-replacement = Planear a substituição da bomba
confidence-high = (alta fiabilidade)
confidence-low = (estimativa aproximada)
infusion-stops = A perfusão para
eri-reached = { $days ->
    [one] O sinal de substituição da bateria está ativo: falta { $days } dia para a perfusão parar
   *[other] O sinal de substituição da bateria está ativo: faltam { $days } dias para a perfusão parar
}
section-alarms = Alarmes ({ $count })
column-alarm = alarme
column-raised = disparado
column-state = estado
alarm-active = ativo
alarm-unknown = desconhecido (sem ligação)
alarm-acknowledged = confirmado
section-events = Eventos em direto
link-idle = inativa
link-scanning = à procura da sua bomba
link-connecting = a ligar
link-connected = Ligada
link-reconnecting = a religar (tentativa { $attempt })
link-not-paired = sem bomba emparelhada
link-failed = { $failure } (nova tentativa em breve)
link-stopped = parada
failure-bluetooth-off = o Bluetooth está desligado
failure-permission = o Bluetooth não está autorizado
failure-out-of-range = a sua bomba está fora de alcance
failure-pairing-refused = emparelhamento recusado
failure-mismatch = uma bomba que não é a sua
failure-storage = não é possível guardar (armazenamento)
failure-internal = erro interno, a reiniciar
event-alarm = alarme: { $alarm }
event-link-lost = ligação perdida: a religar automaticamente
dose-per-day = { $dose }/dia
event-pump-identified = bomba identificada: { $model } { $serial }
event-paired = emparelhada: { $model } { $serial }
event-unpaired = desemparelhada: { $serial }
# Datas previstas, com a precisão que o seu intervalo de 80 % permite.
forecast-today = hoje
forecast-tomorrow = amanhã
forecast-on = a { $date }
forecast-around = por volta de { $date } ({ $span })
forecast-around-month = por volta de { $date } ({ $span })
forecast-week-of = na semana de { $date } ({ $span })
forecast-in = em { $date }
forecast-between = entre { $from } e { $to }
forecast-between-months = entre { $from } e { $to }
shared-status-none = Nenhum estado partilhado
shared-status-age = Estado de há { $age }
shared-status-ended = Partilha do estado terminada: { $date }
shared-status-link-lost = ligação à bomba perdida
shared-status-what = Estado: reservatório, bateria, datas previstas, ligação à bomba e alarmes abertos
