# Thecal: ما يُبلَّغ به مقدّمو الرعاية (العربية، مترجمة من الإنجليزية): عناوين قصيرة؛ والنص يقول ما يحدث
# وما يجب فعله. ما يجب فعله عند إنذار المضخة أو نفاد البطارية رسالة سلامة (.written و.review: docs/localisation.md).
pump-alarm-title = إنذار المضخة
alert-alarm-reservoir_low = تُبلغ المضخة أن خزانها منخفض: ستلزم إعادة تعبئة قريبًا.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-reservoir_empty = تُبلغ المضخة أن خزانها فارغ: قد يتوقف التسريب. اتصل بالمركز الآن.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eri = تُبلغ المضخة أن بطاريتها تحتاج إلى استبدال: ينبغي أن يخطّط المركز لذلك.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eos = وصلت بطارية المضخة إلى نهايتها: ربما توقف التسريب. اتصل بالمركز الآن.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-catheter_occlusion = تُبلغ المضخة عن احتمال انسداد القثطار. اتصل بالمركز الآن.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-motor_stall = توقف محرك المضخة: ربما توقف التسريب. اتصل بالمركز الآن.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-clock_error = ساعة المضخة غير مضبوطة: قد يكون توقيت الجرعات غير صحيح. اتصل بالمركز.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-pump_fault = اكتشفت المضخة عطلًا داخليًا. اتصل بالمركز الآن.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-unrecognised = أطلقت المضخة إنذارًا لا يعرفه هذا التطبيق. اتصل بالمركز.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
refill-due-title = إعادة التعبئة قريبة
refill-due-body = سيحتاج خزان المضخة إلى إعادة تعبئة قريبًا.
refill-due-body-when = سيصبح خزان المضخة منخفضًا { $when }. تأكد من أن موعد إعادة التعبئة محجوز.
refill-appointment-title = موعد إعادة التعبئة اليوم
refill-appointment-body = إعادة تعبئة المضخة محددة اليوم الساعة { $time }.
refill-appointment-body-place = إعادة تعبئة المضخة محددة اليوم الساعة { $time } ({ $place }).
reservoir-low-title = الخزان منخفض
reservoir-low-body = خزان المضخة منخفض. تلزم إعادة التعبئة الآن.
battery-eos-title = بطارية المضخة فارغة
battery-eos-body = وصلت بطارية المضخة إلى نهايتها: ربما توقفت المضخة. اتصل بالمركز الآن.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
battery-eri-title = يلزم استبدال المضخة
battery-eri-body = تُبلغ المضخة أن بطاريتها تحتاج إلى استبدال. ينبغي أن يخطّط المركز للاستبدال.
battery-forecast-title = اقتراب موعد استبدال المضخة
battery-forecast-body = ستحتاج بطارية المضخة إلى الاستبدال خلال الأشهر القادمة.
battery-forecast-body-when = من المتوقع أن تحتاج بطارية المضخة إلى الاستبدال { $when }.
link-lost-title = لا أخبار من المضخة
link-lost-body = { $minutes ->
    [zero] لم يتصل هاتف المريض بالمضخة منذ أكثر من { $minutes } دقيقة.
    [one] لم يتصل هاتف المريض بالمضخة منذ أكثر من { $minutes } دقيقة.
    [two] لم يتصل هاتف المريض بالمضخة منذ أكثر من { $minutes } دقيقة.
    [few] لم يتصل هاتف المريض بالمضخة منذ أكثر من { $minutes } دقائق.
    [many] لم يتصل هاتف المريض بالمضخة منذ أكثر من { $minutes } دقيقةً.
   *[other] لم يتصل هاتف المريض بالمضخة منذ أكثر من { $minutes } دقيقة.
}
reservoir-below-title = المستودع يقترب من النفاد
reservoir-below-body = مستودع المضخة عند { $percent } % أو أقل. تأكّد من حجز موعد لإعادة التعبئة.
reservoir-below-ml-body = يحتوي مستودع المضخة على { $ml } مل أو أقل. تأكّد من حجز موعد لإعادة التعبئة.
refill-check-title = إعادة تعبئة تجب مناقشتها مع المركز
refill-check-body = عند آخر إعادة تعبئة، لم تكن الكمية المتبقية في المضخة كما كان متوقعًا. ينبغي أن يتحقق المركز من ذلك.
battery-eos-soon-title = استبدال المضخة عاجل
battery-eos-soon-body = { $days ->
    [zero] يُتوقّع أن تنتهي بطارية المضخة بعد نحو { $days } يوم: يجب إجراء الاستبدال قبل ذلك. تأكّد من الموعد مع المركز.
    [one] يُتوقّع أن تنتهي بطارية المضخة بعد نحو يوم واحد ({ $days }): يجب إجراء الاستبدال قبل ذلك. تأكّد من الموعد مع المركز.
    [two] يُتوقّع أن تنتهي بطارية المضخة بعد نحو يومين ({ $days }): يجب إجراء الاستبدال قبل ذلك. تأكّد من الموعد مع المركز.
    [few] يُتوقّع أن تنتهي بطارية المضخة بعد نحو { $days } أيام: يجب إجراء الاستبدال قبل ذلك. تأكّد من الموعد مع المركز.
    [many] يُتوقّع أن تنتهي بطارية المضخة بعد نحو { $days } يومًا: يجب إجراء الاستبدال قبل ذلك. تأكّد من الموعد مع المركز.
   *[other] يُتوقّع أن تنتهي بطارية المضخة بعد نحو { $days } يومًا: يجب إجراء الاستبدال قبل ذلك. تأكّد من الموعد مع المركز.
}
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
# إشعارات المُرحِّل عن هاتف المريض (البروتوكول §9): وقائع بلا نصائح.
phone-silent-title = لا أخبار من هاتف { $patient }
phone-silent-body = لم يتواصل هاتف { $patient } منذ { $since }. ربما هو مغلق أو نفدت بطاريته أو بلا شبكة.
phone-back-title = عاد هاتف { $patient }
phone-back-body = عاد هاتف { $patient } إلى التواصل (آخر تواصل: { $since }).
