# Thecal: الشاشة الرئيسية (العربية، مترجمة من الإنجليزية): المضخة، والاتصال، والخزان، والبطارية،
# والإنذارات، والتواريخ المتوقعة بالدقة التي يسمح بها نطاقها.
app-title = Thecal · مضخة محاكاة
pump-none = لم تُقرن أي مضخة بعد
pump-line = { $manufacturer } { $model } · الرقم التسلسلي { $serial }
freshness-fresh = محدَّث
freshness-updating = جارٍ التحديث…
freshness-stale = غير محدَّث
freshness-very-stale = قديم جدًا
freshness-no-data = لا بيانات بعد
link-label = الاتصال
link-via = عبر { $transport }
link-rejected = إطارات مرفوضة { $count }
link-radio = الراديو يعمل { $seconds } s/h (آخر دقيقة)
last-reading = آخر قراءة منذ { $age }
now = الآن { $time }
age-seconds = { $n } ث
age-minutes = { $n } د
age-hours = { $n } س
age-days = { $n ->
    [zero] { $n } يوم
    [one] { $n } يوم
    [two] { $n } يوم
    [few] { $n } أيام
    [many] { $n } يومًا
   *[other] { $n } يوم
}
no-reading = لا توجد قراءة بعد.
section-reservoir = الخزان
reservoir-gauge = { $volume } من { $capacity } mL ({ $percent } %)
uses-per-day = يستهلك { $volume } mL يوميًا
low = منخفض
low-now = الآن: احجز إعادة تعبئة
empty = فارغ
refill-more-left = عند آخر إعادة تعبئة كان المتبقي أكثر بنسبة { $percent } % مما توقعته المضخة: ربما وصلك دواء أقل. تحدّث مع مركزك.
refill-less-left = عند آخر إعادة تعبئة كان المتبقي أقل بنسبة { $percent } % مما توقعته المضخة: ربما وصلك دواء أكثر. تحدّث مع مركزك.
refill-as-expected = كانت آخر إعادة تعبئة كما هو متوقع.
last-refill = آخر إعادة تعبئة { $date }: { $drug } { $concentration }، { $dose }
drug-changed = تغيّر الدواء أو تركيزه
section-battery = البطارية
not-enough-history = لا يوجد سجل كافٍ بعد
replace-battery = استبدال البطارية
plan-pump-replacement = التخطيط لاستبدال المضخة
confidence-high = (ثقة عالية)
confidence-low = (تقدير تقريبي)
infusion-stops = توقف التسريب
eri-reached = { $days ->
    [zero] إشارة استبدال البطارية مفعّلة: يتبقى { $days } يوم قبل توقف التسريب
    [one] إشارة استبدال البطارية مفعّلة: يتبقى { $days } يوم قبل توقف التسريب
    [two] إشارة استبدال البطارية مفعّلة: يتبقى { $days } يوم قبل توقف التسريب
    [few] إشارة استبدال البطارية مفعّلة: تتبقى { $days } أيام قبل توقف التسريب
    [many] إشارة استبدال البطارية مفعّلة: يتبقى { $days } يومًا قبل توقف التسريب
   *[other] إشارة استبدال البطارية مفعّلة: يتبقى { $days } يوم قبل توقف التسريب
}
section-alarms = الإنذارات ({ $count })
column-alarm = الإنذار
column-raised = وقت الإطلاق
column-state = الحالة
alarm-active = نشط
alarm-unknown = غير معروف (لا اتصال)
alarm-acknowledged = تم الإقرار به
section-events = الأحداث المباشرة
link-idle = خامل
link-scanning = جارٍ البحث عن مضختك
link-connecting = جارٍ الاتصال
link-connected = متصل
link-reconnecting = جارٍ إعادة الاتصال (المحاولة { $attempt })
link-not-paired = لا توجد مضخة مقترنة
link-failed = { $failure } (ستُعاد المحاولة قريبًا)
link-stopped = متوقف
failure-bluetooth-off = البلوتوث مُطفأ
failure-permission = البلوتوث غير مسموح به
failure-out-of-range = مضختك خارج النطاق
failure-pairing-refused = رُفض الاقتران
failure-mismatch = مضخة ليست مضختك
failure-storage = تعذّر الحفظ (التخزين)
failure-internal = خطأ داخلي، جارٍ إعادة التشغيل
event-alarm = إنذار: { $alarm }
event-link-lost = انقطع الاتصال: تتم إعادة الاتصال تلقائيًا
dose-per-day = { $dose } يوميًا
event-pump-identified = تم التعرف على المضخة: { $model } { $serial }
event-paired = تم الاقتران: { $model } { $serial }
event-unpaired = أُلغي الاقتران: { $serial }
# التواريخ المتوقعة، بالدقة التي يسمح بها نطاقها بنسبة 80 %.
forecast-today = اليوم
forecast-tomorrow = غدًا
forecast-on = في { $date }
forecast-around = نحو { $date } ({ $span })
forecast-around-month = نحو { $date } ({ $span })
forecast-week-of = في أسبوع { $date } ({ $span })
forecast-in = في { $date }
forecast-between = بين { $from } و{ $to }
forecast-between-months = بين { $from } و{ $to }
shared-status-none = لا توجد حالة مشتركة
shared-status-age = الحالة منذ { $age }
shared-status-ended = انتهت مشاركة الحالة: { $date }
shared-status-link-lost = انقطع الاتصال بالمضخة
shared-status-what = الحالة: الخزان، البطارية، التواريخ المتوقعة، الاتصال بالمضخة والإنذارات المفتوحة
