# Thecal: o que é dito aos cuidadores (português europeu, traduzido do inglês): títulos curtos; o texto
# diz o que está a acontecer e o que fazer. O que fazer perante um alarme da bomba ou uma bateria esgotada
# é uma mensagem de segurança (.written, .review: docs/localisation.md).
pump-alarm-title = Alarme da bomba
alert-alarm-reservoir_low = A bomba indica que o reservatório está baixo: em breve será preciso um enchimento.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-reservoir_empty = A bomba indica que o reservatório está vazio: a perfusão pode parar. Ligue já para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eri = A bomba indica que a bateria tem de ser substituída: o centro deve planear a substituição.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eos = A bateria da bomba chegou ao fim: a perfusão pode ter parado. Ligue já para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-catheter_occlusion = A bomba indica uma possível obstrução do cateter. Ligue já para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-motor_stall = O motor da bomba parou: a perfusão pode ter parado. Ligue já para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-clock_error = O relógio da bomba está errado: os horários das doses podem estar desacertados. Ligue para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-pump_fault = A bomba detetou uma avaria interna. Ligue já para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-unrecognised = A bomba deu um alarme que esta aplicação não conhece. Ligue para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
refill-due-title = Enchimento para breve
refill-due-body = O reservatório da bomba vai precisar de um enchimento em breve.
refill-due-body-when = O reservatório da bomba vai ficar baixo { $when }. Confirme que o enchimento está marcado.
refill-appointment-title = Consulta de enchimento hoje
refill-appointment-body = O enchimento da bomba está marcado para hoje às { $time }.
refill-appointment-body-place = O enchimento da bomba está marcado para hoje às { $time } ({ $place }).
reservoir-low-title = Reservatório baixo
reservoir-low-body = O reservatório da bomba está baixo. É preciso um enchimento já.
battery-eos-title = Bateria da bomba esgotada
battery-eos-body = A bateria da bomba chegou ao fim: a bomba pode ter parado. Ligue já para o centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
battery-eri-title = É preciso substituir a bomba
battery-eri-body = A bomba indica que a bateria tem de ser substituída. O centro deve planear a substituição.
battery-forecast-title = Substituição da bomba para breve
battery-forecast-body = A bateria da bomba vai ter de ser substituída nos próximos meses.
battery-forecast-body-when = Prevê-se que a bateria da bomba tenha de ser substituída { $when }.
link-lost-title = Sem notícias da bomba
link-lost-body = { $minutes ->
    [one] O telemóvel do paciente não comunica com a bomba há mais de { $minutes } minuto.
   *[other] O telemóvel do paciente não comunica com a bomba há mais de { $minutes } minutos.
}
reservoir-below-title = Reservatório a ficar baixo
reservoir-below-body = O reservatório da bomba está em { $percent } % ou menos. Confirme que o reabastecimento está marcado.
reservoir-below-ml-body = O reservatório da bomba tem { $ml } mL ou menos. Confirme que o reabastecimento está marcado.
refill-check-title = Reabastecimento a discutir com a clínica
refill-check-body = No último reabastecimento, a quantidade que restava na bomba não era a esperada. A clínica deve verificar.
battery-eos-soon-title = Substituição da bomba urgente
battery-eos-soon-body = { $days ->
    [one] Prevê-se que a bateria da bomba chegue ao fim em cerca de { $days } dia: a substituição tem de ser feita antes. Confirme a data com a clínica.
   *[other] Prevê-se que a bateria da bomba chegue ao fim em cerca de { $days } dias: a substituição tem de ser feita antes. Confirme a data com a clínica.
}
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
# Os avisos do relé sobre o telefone do paciente (protocolo §9): factos, sem conselhos.
phone-silent-title = Sem notícias do telefone de { $patient }
phone-silent-body = O telefone de { $patient } não dá notícias desde { $since }. Pode estar desligado, sem bateria ou sem rede.
phone-back-title = O telefone de { $patient } voltou
phone-back-body = O telefone de { $patient } voltou a dar notícias (última notícia: { $since }).
