"""Texts of the public pages in Kyrgyz, Russian and English (ky, the state language, first)."""

from __future__ import annotations

from typing import Final

from node.domain.regno import Region

LANGUAGES: Final = ("ky", "ru", "en")
DEFAULT_LANGUAGE: Final = "ky"
LANGUAGE_NAMES: Final = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}

# key -> (ky, ru, en)
_TEXTS: Final[dict[str, tuple[str, str, str]]] = {
    "site.title": (
        "Виртуалдык активдердин эмиссияларынын бирдиктүү мамлекеттик реестри",
        "Единый государственный реестр эмиссий виртуальных активов",
        "Unified State Register of Virtual Asset Emissions",
    ),
    "site.short": ("Эмиссиялар реестри", "Реестр эмиссий", "Emission register"),
    "nav.register": ("Реестр", "Реестр", "Register"),
    "nav.checkpoints": ("Текшерүү чекиттери", "Контрольные точки", "Checkpoints"),
    "nav.api": ("API", "API", "API"),
    "nav.workbench": ("Иш столу", "Рабочее место", "Workbench"),
    "filter.apply": ("Көрсөтүү", "Показать", "Show"),
    "wb.title": (
        "Каттоо органынын иш столу",
        "Рабочее место регистрирующего органа",
        "Registry office workbench",
    ),
    "wb.signin_intro": (
        "Кызматкердин жеке токени менен кириңиз (`tamga token create --role regulator`).",
        "Войдите с личным токеном сотрудника (`tamga token create --role regulator`).",
        "Sign in with your personal staff token (`tamga token create --role regulator`).",
    ),
    "wb.token": ("Жеке токен", "Личный токен", "Personal token"),
    "wb.sign_in": ("Кирүү", "Войти", "Sign in"),
    "wb.sign_out": ("Чыгуу", "Выйти", "Sign out"),
    "wb.signed_in_as": ("Кирген:", "Вы вошли как", "Signed in as"),
    "wb.inbox": ("Чечим күткөндөр", "Входящие на решение", "Inbox"),
    "wb.inbox_intro": (
        "Ыйгарым укуктуу орган чечим чыгарышы керек болгон мөөнөттөр, эң жакыны биринчи",
        "Сроки, в которые решение принимает уполномоченный орган, ближайшие первыми",
        "Deadlines the authority must meet, soonest first",
    ),
    "wb.deadlines": ("Мөөнөттөр тактасы", "Доска сроков", "Deadlines board"),
    "wb.deadlines_intro": (
        "Үч реестрдин бардык ачык мөөнөттөрү",
        "Все открытые сроки трёх реестров",
        "Every open deadline of the three registers",
    ),
    "wb.today": ("бүгүн", "сегодня", "today"),
    "wb.csv": ("CSV жүктөп алуу", "Скачать CSV", "Download CSV"),
    "wb.register": ("Реестр", "Реестр", "Register"),
    "wb.register.emission": ("Эмиссиялар", "Эмиссии", "Emissions"),
    "wb.register.vasp": ("Лицензиялар", "Лицензии", "Licences"),
    "wb.register.miner": ("Майнерлер", "Майнеры", "Miners"),
    "wb.due": ("Мөөнөтү", "Срок", "Due"),
    "wb.left": ("Калды", "Осталось", "Left"),
    "wb.record": ("Жазуу", "Запись", "Record"),
    "wb.deadline": ("Милдеттенме", "Обязанность", "Deadline"),
    "wb.owed_by": ("Ким аткарат", "Кто исполняет", "Owed by"),
    "wb.owner.authority": ("ыйгарым укуктуу орган", "уполномоченный орган", "the authority"),
    "wb.owner.issuer": ("эмитент", "эмитент", "the issuer"),
    "wb.owner.miner": ("майнер", "майнер", "the miner"),
    "wb.owner.licensee": ("лицензиат", "лицензиат", "the licensee"),
    "wb.overdue": ("мөөнөтү өттү", "просрочено", "overdue"),
    "wb.working_days": ("иш күнү", "раб. дн.", "working days"),
    "wb.days": ("күн", "дн.", "days"),
    "wb.nothing": ("Ачык мөөнөттөр жок.", "Открытых сроков нет.", "No open deadlines."),
    "wb.public_page": ("Ачык барак", "Публичная страница", "Public page"),
    "wb.record_event": ("Окуяны каттоо", "Записать событие", "Record an event"),
    "wb.event": ("Окуя", "Событие", "Event"),
    "wb.authority_events": (
        "Ыйгарым укуктуу органдын чечимдери",
        "Решения уполномоченного органа",
        "Decisions of the authority",
    ),
    "wb.other_events": ("Башка окуялар", "Другие события", "Other events"),
    "wb.effective_on": ("Күчүнө кирген күнү", "Дата вступления в силу", "Effective on"),
    "wb.basis": ("Негиз (документ)", "Основание (документ)", "Basis (document)"),
    "wb.basis_type": ("Документтин түрү", "Вид документа", "Document type"),
    "wb.no_basis": ("— негизсиз —", "— без основания —", "— no basis —"),
    "wb.basis_number": ("Номери", "Номер", "Number"),
    "wb.basis_date": ("Күнү", "Дата", "Date"),
    "wb.basis_issued_by": ("Ким чыгарган", "Кем выдан", "Issued by"),
    "wb.authority_name": (
        "Ыйгарым укуктуу мамлекеттик орган",
        "Уполномоченный государственный орган",
        "Authorized state body",
    ),
    "wb.basis_file": (
        "Файл (SHA-256 браузерде эсептелет; файл журналга кирбейт)",
        "Файл (SHA-256 считается в браузере; файл в журнал не попадает)",
        "File (its SHA-256 is computed in the browser; the file stays out of the log)",
    ),
    "wb.record_button": ("Каттоо", "Записать", "Record"),
    "wb.new": ("Жаңы жазуу", "Новая запись", "New record"),
    "wb.add_item": ("Дагы бир элемент кошуу", "Добавить элемент", "Add an item"),
    "wb.document_file": (
        "Документтин файлы (SHA-256 браузерде эсептелет)",
        "Файл документа (SHA-256 вычисляется в браузере)",
        "The document's file (its SHA-256 is computed in the browser)",
    ),
    "nav.portal": (
        "Эмитенттер",
        "Эмитентам",
        "Issuers",
    ),
    "pt.title": (
        "Эмитенттин кабинети",
        "Кабинет эмитента",
        "Issuers' portal",
    ),
    "pt.home": (
        "Менин эмиссияларым",
        "Мои эмиссии",
        "My emissions",
    ),
    "pt.apply": (
        "Арыз берүү",
        "Подать заявку",
        "File an application",
    ),
    "pt.signin_intro": (
        "Эмиссияларыңызда жарыяланган капчык менен кириңиз (EIP-4361).",
        "Войдите кошельком, заявленным в ваших эмиссиях (EIP-4361).",
        "Sign in with a wallet declared in your emissions (EIP-4361).",
    ),
    "pt.issuer_code": (
        "Эмитенттин коду",
        "Код эмитента",
        "Issuer code",
    ),
    "pt.sign_in_wallet": (
        "Капчык менен кирүү",
        "Войти кошельком",
        "Sign in with your wallet",
    ),
    "pt.fallback": (
        "Браузерде капчык жокпу?",
        "Нет кошелька в браузере?",
        "No wallet in this browser?",
    ),
    "pt.fallback_intro": (
        "Билдирүүнү алып, ага башка жерде кол коюңуз (мисалы, cast wallet sign) жана "
        "кол тамганы бул жерге киргизиңиз.",
        "Получите сообщение, подпишите его в другом месте (например, cast wallet sign) "
        "и вставьте подпись сюда.",
        "Get the message, sign it elsewhere (e.g. cast wallet sign) and paste the signature here.",
    ),
    "pt.address": (
        "Капчыктын дареги",
        "Адрес кошелька",
        "Wallet address",
    ),
    "pt.get_message": (
        "Билдирүүнү алуу",
        "Получить сообщение",
        "Get the message",
    ),
    "pt.message": (
        "Кол коюлуучу билдирүү",
        "Сообщение для подписи",
        "Message to sign",
    ),
    "pt.signature": (
        "Кол тамга",
        "Подпись",
        "Signature",
    ),
    "pt.my_emissions": (
        "Кирген капчык жарыяланган эмиссиялар",
        "Эмиссии, в которых заявлен этот кошелёк",
        "Emissions declaring the signed-in wallet",
    ),
    "pt.findings": (
        "Ачык байкоолор",
        "Открытые замечания",
        "Open findings",
    ),
    "pt.none": (
        "Бул капчык жарыяланган эмиссия жок.",
        "Нет эмиссий с этим кошельком.",
        "No emission declares this wallet.",
    ),
    "pt.apply_intro": (
        "Жобонун §9 жана 1-тиркемесинин бардык талаалары. Долбоор ушул браузерде "
        "берилгенге чейин сакталат.",
        "Все поля §9 и приложения 1 Положения. Черновик хранится в этом браузере до подачи.",
        "Every field of Reg. §9 and Annex 1. A draft is kept in this browser until it is filed.",
    ),
    "pt.file": (
        "Арызды берүү",
        "Подать заявку",
        "File the application",
    ),
    "pt.draft_clear": (
        "Долбоорду өчүрүү",
        "Удалить черновик",
        "Discard the draft",
    ),
    "pt.since": (
        "качантан бери",
        "с",
        "since",
    ),
    "pt.evidence": (
        "далилдер",
        "доказательства",
        "evidence",
    ),
    "pt.no_findings": (
        "Ачык байкоо жок.",
        "Открытых замечаний нет.",
        "No open findings.",
    ),
    "pt.file_event": (
        "Маалымат берүү",
        "Подать сведения",
        "File",
    ),
    "pt.proof": (
        "Капчыкка ээлик кылууну далилдөө (EIP-712)",
        "Доказательство владения кошельком (EIP-712)",
        "Prove control of the wallet (EIP-712)",
    ),
    "pt.proof_intro": (
        "Жарыяланган капчык:",
        "Заявленный кошелёк:",
        "Declared wallet:",
    ),
    "pt.proven": (
        "далилденген",
        "доказано",
        "proven",
    ),
    "pt.proof_sign": (
        "Капчык менен кол коюу",
        "Подписать кошельком",
        "Sign with your wallet",
    ),
    "pt.source": (
        "Келишимдин баштапкы коду",
        "Исходный код контракта",
        "The contract's source",
    ),
    "pt.source_intro": (
        "solc standard-JSON (бардык булактар ичинде): тармактагы байткод менен салыштырылат.",
        "solc standard-JSON (все исходники внутри): сверяется с байткодом в сети.",
        "solc standard-JSON input (every source inline): matched against the deployed bytecode.",
    ),
    "pt.source_file": (
        "Standard-JSON файлы",
        "Файл standard-JSON",
        "Standard-JSON file",
    ),
    "pt.compiler": (
        "Компилятордун версиясы",
        "Версия компилятора",
        "Compiler version",
    ),
    "pt.contract": (
        "Келишим (path:Name)",
        "Контракт (path:Name)",
        "Contract (path:Name)",
    ),
    "pt.source_button": (
        "Баштапкы кодду берүү",
        "Подать исходный код",
        "File the source",
    ),
    "pt.no_wallet": (
        "Бул браузерде капчык жок: төмөндөгү жолду колдонуңуз.",
        "В этом браузере нет кошелька: используйте способ ниже.",
        "This browser has no wallet: use the way below.",
    ),
    "pt.choose_file": (
        "файлды тандаңыз",
        "выберите файл",
        "choose a file",
    ),
    "pt.draft_restored": (
        "Долбоор калыбына келтирилди.",
        "Черновик восстановлен.",
        "Draft restored.",
    ),
    "wb.proof": (
        "Капчыкка ээлик кылууну далилдөө (Мыйзам 16.2-бер. 4-п.)",
        "Доказательство владения кошельком (Закон ст. 16.2 п. 4)",
        "Proof of wallet control (Law art. 16.2 item 4)",
    ),
    "wb.proof_intro": (
        "Майнер бул билдирүүгө өзүнүн капчыгы менен кол коёт (EIP-712), кол тамга бул жерге "
        "киргизилет.",
        "Майнер подписывает это заявление своим кошельком (EIP-712), подпись вносится сюда.",
        "The miner signs this statement with the declared wallet (EIP-712); enter the "
        "signature here.",
    ),
    "wb.proof_statement": ("Билдирүүнү алуу", "Получить заявление", "Get the statement"),
    "wb.proof_typed_data": (
        "Кол коюлуучу маалымат (eth_signTypedData_v4)",
        "Данные для подписи (eth_signTypedData_v4)",
        "Typed data to sign (eth_signTypedData_v4)",
    ),
    "wb.proof_signature": ("Кол тамга", "Подпись", "Signature"),
    "wb.proof_button": ("Далилди каттоо", "Записать доказательство", "Record the proof"),
    "wb.new_intro": (
        "Эмитентти, кагаз түрүндө келген арызды, майнерди, лицензияга арызды же жумуш күндөрүн "
        "жылдырган токтомду реестрге киргизүү",
        "Внести в реестр эмитента, заявку, поданную на бумаге, майнера, заявление на лицензию "
        "или постановление о переносе рабочих дней",
        "Enter an issuer, an application filed on paper, a miner, a licence application or a "
        "decree moving working days",
    ),
    "wb.new_kind": ("Эмне киргизилет", "Что вносится", "What to enter"),
    "wb.new.issuer": (
        "Эмитент (Жобо §9.5-9.7)",
        "Эмитент (Полож. §9.5-9.7)",
        "Issuer (Reg. §9.5-9.7)",
    ),
    "wb.new.emission": (
        "Эмиссияга арыз (Жобо §9)",
        "Заявка на эмиссию (Полож. §9)",
        "Emission application (Reg. §9)",
    ),
    "wb.new.miner": (
        "Майнер (Мыйзам 15-16-бер.)",
        "Майнер (Закон ст. 15-16)",
        "Miner (Law art. 15-16)",
    ),
    "wb.new.vasp": (
        "Лицензияга арыз (Мыйзам 29-30-бер.)",
        "Заявление на лицензию (Закон ст. 29-30)",
        "Licence application (Law art. 29-30)",
    ),
    "wb.new.calendar": (
        "Жумуш күндөрүн жылдыруу токтому",
        "Постановление о переносе рабочих дней",
        "Decree moving working days",
    ),
    "wb.supply": ("Өрттөлгөн көлөм", "Сожжённый объём", "Burned supply"),
    "wb.supply_intro": (
        "Реестрге киргизилген өрттөөлөр (Жобо §45-46) блокчейнде көрүнгөн өрттөөлөр менен "
        "салыштырылат; журналдын өлчөмү:",
        "Сожжения, внесённые в реестр (Положение §45-46), против сожжений в блокчейне; "
        "размер журнала:",
        "Burns entered in the register (Reg. §45-46) against burns seen on chain; log size:",
    ),
    "wb.supply_caption": (
        "Эмиссиялар боюнча өрттөлгөн виртуалдык активдер",
        "Сожжённые виртуальные активы по эмиссиям",
        "Virtual assets burned, per emission",
    ),
    "wb.emission": ("Эмиссия", "Эмиссия", "Emission"),
    "wb.partial_burns": ("Жарым-жартылай өрттөө", "Частичное сожжение", "Partial burns"),
    "wb.unplaced": (
        "Жайгаштырылбаган ВА жокко чыгарылды",
        "Неразмещённые ВА аннулированы",
        "Unplaced VAs cancelled",
    ),
    "wb.register_burned": ("Реестр боюнча", "По реестру", "Per the register"),
    "wb.chain_burned": ("Блокчейнде өрттөлгөн", "Сожжено в блокчейне", "Burned on chain"),
    "wb.chain_locked": ("Кулпуланган даректерде", "В заблокированных адресах", "Locked in sinks"),
    "wb.difference": ("Айырма", "Разница", "Difference"),
    "wb.read_at": ("Окулган блок", "Прочитано в блоке", "Read at block"),
    "wb.total": ("Бардыгы", "Итого", "Total"),
    "wb.unknown": ("белгисиз", "неизвестно", "unknown"),
    "wb.not_read": ("окулган эмес", "не прочитано", "not read"),
    "wb.chart": ("Убакыт боюнча өрттөөлөр", "Сожжения во времени", "Burns over time"),
    "wb.chart_desc": (
        "Реестр боюнча жана блокчейнде өрттөлгөн ВАнын жалпы саны ар бир жазуудан кийин",
        "Общее число сожжённых ВА по реестру и в блокчейне после каждой записи",
        "Total VAs burned per the register and on chain after each entry",
    ),
    "wb.publish": (
        "CSV жарыялоо (SHA-256 журналга)",
        "Опубликовать CSV (SHA-256 в журнал)",
        "Publish the CSV (SHA-256 into the log)",
    ),
    "wb.publications": ("Жарыяланган отчеттор", "Опубликованные отчёты", "Published reports"),
    "wb.entry": ("Жазуу", "Запись", "Entry"),
    "wb.by": ("Ким", "Кто", "By"),
    "wb.findings": ("Табылгалар", "Находки проверки", "Findings"),
    "wb.findings_intro": (
        "Блокчейндеги текшерүүнүн ачык табылгалары, эң олуттуусу биринчи",
        "Открытые находки проверки в блокчейне, самые серьёзные первыми",
        "Open on-chain verification findings, the most severe first",
    ),
    "wb.severity.critical": ("критикалык", "критические", "critical"),
    "wb.severity.warning": ("эскертүү", "предупреждения", "warning"),
    "wb.severity.info": ("маалымат", "сведения", "info"),
    "wb.finding": ("Табылга", "Находка", "Finding"),
    "wb.since": ("Качантан бери", "С какого дня", "Since"),
    "wb.expected": ("Реестрде", "В реестре", "Expected"),
    "wb.observed": ("Блокчейнде", "В блокчейне", "Observed"),
    "wb.evidence": ("Далилдер", "Доказательства", "Evidence"),
    "wb.note": ("Эскертме (эмне үчүн жабылат)", "Примечание (почему закрыто)", "Note (why closed)"),
    "wb.resolve": ("Эскертме менен жабуу", "Закрыть с примечанием", "Resolve with a note"),
    "wb.no_findings": ("Ачык табылгалар жок.", "Открытых находок нет.", "No open findings."),
    "wb.health": ("Түйүндүн абалы", "Состояние узла", "Node health"),
    "wb.health_caption": ("Журнал жана анкерлөө", "Журнал и якорение", "Log and anchoring"),
    "wb.log_size": ("Журналдын өлчөмү", "Размер журнала", "Log size"),
    "wb.checkpoint": ("Акыркы текшерүү чекити", "Последняя контрольная точка", "Latest checkpoint"),
    "wb.anchor": ("Акыркы ырасталган анкер", "Последний подтверждённый якорь", "Latest anchor"),
    "wb.lag": ("Анкерлөөнүн артта калуусу", "Отставание якорения", "Anchor lag"),
    "wb.entries": ("жазуу", "записей", "entries"),
    "wb.seconds": ("секунд", "секунд", "seconds"),
    "wb.balance": ("Анкерлөө ачкычынын балансы", "Баланс ключа якорения", "Anchoring key balance"),
    "wb.jobs_caption": ("Тапшырмалар", "Задания", "Jobs"),
    "wb.verification_run": (
        "Акыркы текшерүү (блокчейн)",
        "Последняя проверка (блокчейн)",
        "Last verification run",
    ),
    "wb.witness": ("Күбө", "Свидетель", "Witness"),
    "wb.never": ("болгон эмес", "не было", "never"),
    "wb.database": ("Маалымат базасы", "База данных", "Database"),
    "nav.miners": ("Майнерлер", "Майнеры", "Miners"),
    "nav.licences": ("Лицензиялар", "Лицензии", "Licences"),
    "licence.register": (
        "Виртуалдык активдер кызмат көрсөтүүлөрүн берүүчүлөрдүн реестри",
        "Реестр поставщиков услуг виртуальных активов",
        "Register of virtual-asset service providers",
    ),
    "licence.number": ("Лицензия", "Лицензия", "Licence"),
    "licence.status.applied": (
        "арыз каралууда",
        "заявление на рассмотрении",
        "application under review",
    ),
    "licence.status.licensed": ("жарактуу", "действует", "in force"),
    "licence.status.suspended": ("убактылуу токтотулган", "приостановлена", "suspended"),
    "licence.status.refused": ("баш тартылды", "отказано", "refused"),
    "licence.status.revoked": ("кайра чакыртылып алынды", "отозвана", "revoked"),
    "licence.legal_form": (
        "Уюштуруу-укуктук формасы",
        "Организационно-правовая форма",
        "Legal form",
    ),
    "licence.exchange": ("криптобиржа", "криптобиржа", "crypto exchange"),
    "licence.in_force": ("Кызмат көрсөтүүлөр", "Услуги", "Services in force"),
    "licence.restricted": ("Чектелген", "Ограничены", "Restricted"),
    "licence.applied": ("Арыз берилген", "Заявление подано", "Applied"),
    "licence.periods": ("Лицензиянын мезгилдери", "Периоды действия", "Periods in force"),
    "service.buy_sell": ("сатып алуу жана сатуу", "покупка и продажа", "buying and selling"),
    "service.exchange": ("алмашуу", "обмен", "exchange"),
    "service.transfer": ("которуу", "перевод", "transfer"),
    "service.custody": ("сактоо жана башкаруу", "хранение и управление", "custody"),
    "service.issuance": ("жайгаштыруу кызматтары", "услуги по размещению", "placement services"),
    "event.vasp.applied": ("Арыз кабыл алынды", "Заявление принято", "Application received"),
    "event.vasp.documents_supplemented": (
        "Документтер толукталды",
        "Документы дополнены",
        "Documents supplemented",
    ),
    "event.vasp.licence_granted": ("Лицензия берилди", "Лицензия выдана", "Licence granted"),
    "event.vasp.licence_refused": ("Баш тартылды", "Отказано", "Licence refused"),
    "event.vasp.activity_reported": (
        "Ишмердүүлүк жөнүндө кабар",
        "Сообщение о деятельности",
        "Activity reported",
    ),
    "event.vasp.measure_applied": ("Таасир этүү чарасы", "Мера воздействия", "Measure applied"),
    "event.vasp.measure_lifted": ("Чара алынды", "Мера снята", "Measure lifted"),
    "event.vasp.licence_revoked": (
        "Лицензия кайра чакыртылды",
        "Лицензия отозвана",
        "Licence revoked",
    ),
    "miner.register": (
        "Майнерлердин санарип реестри",
        "Цифровой реестр майнеров",
        "Digital register of miners",
    ),
    "miner.certificate": ("Сертификат", "Сертификат", "Certificate"),
    "miner.form.paper": ("кагаз жүзүндө", "на бумаге", "on paper"),
    "miner.form.digital": ("санарип документ", "цифровой документ", "digital document"),
    "miner.status.active": ("жарактуу", "действует", "active"),
    "miner.status.suspended": ("токтотулган", "приостановлен", "suspended"),
    "miner.status.terminated": ("токтотулду", "прекращён", "terminated"),
    "miner.since": ("качантан бери", "с", "since"),
    "miner.kind": ("Майнингдин түрү", "Вид майнинга", "Kind of mining"),
    "miner.kind.individual": (
        "жеке (жеке ишкер)",
        "индивидуальный (ИП)",
        "individual (entrepreneur)",
    ),
    "miner.kind.industrial": (
        "өнөр жайлык (юридикалык жак)",
        "промышленный (юрлицо)",
        "industrial (legal entity)",
    ),
    "miner.resident": ("резидент", "резидент", "resident"),
    "miner.nonresident": ("резидент эмес", "нерезидент", "non-resident"),
    "miner.registered": ("Катталган", "Зарегистрирован", "Registered"),
    "miner.wallet": ("Капчык", "Кошелёк", "Wallet"),
    "miner.power": ("Кубаттуулук", "Мощность", "Installed"),
    "miner.sites": ("Жабдуу орнотулган жайлар", "Площадки", "Sites"),
    "miner.address": ("Дареги", "Адрес", "Address"),
    "miner.capacity": ("Электр кубаттуулугу", "Мощность подключения", "Supply capacity"),
    "miner.equipment": ("Жабдуу", "Оборудование", "Equipment"),
    "miner.requests": ("Маалымат суроо-талаптары", "Запросы информации", "Information requests"),
    "miner.due": ("мөөнөтү", "срок", "due"),
    "miner.overdue": ("мөөнөтү өттү", "просрочен", "overdue"),
    "miner.answered_late": ("кечиктирилип жооп берилди", "ответ с опозданием", "answered late"),
    "miner.state_proof": ("Абалынын далили", "Доказательство состояния", "State proof"),
    "miner.stats": ("Региондор боюнча", "По регионам", "By region"),
    "miner.count": ("Майнерлер", "Майнеров", "Miners"),
    "search.label": ("Издөө", "Поиск", "Search"),
    "search.placeholder": (
        "Аталышы, каттоо номери же контракттын дареги",
        "Название, регистрационный номер или адрес контракта",
        "Name, registration number or contract address",
    ),
    "search.submit": ("Издөө", "Найти", "Search"),
    "filter.status": ("Абалы", "Статус", "Status"),
    "filter.type": ("Түрү", "Тип", "Type"),
    "filter.region": ("Регион", "Регион", "Region"),
    "filter.chain": ("Блокчейн", "Блокчейн", "Blockchain"),
    "filter.issuer": ("Эмитенттин коду", "Код эмитента", "Issuer code"),
    "filter.any": ("баары", "все", "any"),
    "filter.registered_from": ("Катталган, башталышы", "Зарегистрирован с", "Registered from"),
    "filter.registered_to": ("Катталган, аягы", "Зарегистрирован по", "Registered to"),
    "list.empty": ("Эч нерсе табылган жок.", "Ничего не найдено.", "Nothing found."),
    "list.next": ("Кийинки барак →", "Следующая страница →", "Next page →"),
    "list.count": ("Бул баракта", "На этой странице", "On this page"),
    "col.regno": ("Каттоо номери", "Рег. номер", "Registration no."),
    "col.name": ("Аталышы", "Название", "Name"),
    "col.issuer": ("Эмитент", "Эмитент", "Issuer"),
    "col.type": ("Түрү", "Тип", "Type"),
    "col.status": ("Абалы", "Статус", "Status"),
    "col.quantity": ("Саны", "Количество", "Quantity"),
    "col.chain": ("Блокчейн", "Блокчейн", "Blockchain"),
    "emission.fields": (
        "Реестрдеги маалыматтар (Жобонун 62-п.)",
        "Сведения реестра (п. 62 Положения)",
        "Register entry (Reg. §62)",
    ),
    "emission.timeline": ("Эмиссиянын жолу", "Жизненный цикл", "Lifecycle"),
    "emission.deadlines": ("Мөөнөттөр", "Сроки", "Deadlines"),
    "emission.missed": ("Өткөрүлгөн мөөнөттөр", "Пропущенные сроки", "Missed deadlines"),
    "emission.name_reviews": (
        "Аталыштагы сөздөр: ыйгарым укуктуу органдын кароосу (Мыйзамдын 37.3-беренеси)",
        "Слова в наименовании: рассмотрение уполномоченным органом (ст. 37.3 Закона)",
        "Words in the name: the authority's review (Law art. 37.3)",
    ),
    "emission.venue": (
        "Жайгаштыруу аянтчасынын лицензиясы (Жобонун 22-пункту)",
        "Лицензия площадки размещения (п. 22 Положения)",
        "Licence of the placement venue (Reg. §22)",
    ),
    "emission.venue_lapse": (
        "лицензия жайгаштырууну камтыган эмес",
        "лицензия не покрывала размещение",
        "the licence did not cover placement",
    ),
    "name_review.pending": (
        "ыйгарым укуктуу органдын чечимин күтүүдө",
        "ожидает решения уполномоченного органа",
        "awaiting the authority's decision",
    ),
    "name_review.accepted": ("кабыл алынды", "допущено", "accepted"),
    "name_review.refused": ("четке кагылды", "отказано", "refused"),
    "emission.onchain": ("Блокчейндеги абалы", "Состояние в блокчейне", "On-chain status"),
    "emission.findings": ("Текшерүүнүн жыйынтыктары", "Результаты проверок", "Findings"),
    "emission.findings.none": (
        "Бул эмиссия боюнча блокчейндеги текшерүү азырынча катталган эмес.",
        "Проверки в блокчейне по этой эмиссии пока не записаны.",
        "No on-chain verification has been recorded for this emission yet.",
    ),
    "emission.anchors": ("Блокчейнге бекитүүлөр", "Закрепления в блокчейне", "Anchors"),
    "emission.anchors.none": (
        "Бул эмиссиянын жазуулары азырынча блокчейнге бекитиле элек.",
        "Записи этой эмиссии пока не закреплены в блокчейне.",
        "This emission's entries are not anchored on a chain yet.",
    ),
    "emission.proofs": ("Далилдер", "Доказательства", "Proofs"),
    "emission.bundle": (
        "Далилдер топтомун жүктөп алуу",
        "Скачать пакет доказательств",
        "Download the proof bundle",
    ),
    "emission.extract": (
        "Реестрден басма көчүрмө (PDF)",
        "Печатная выписка (PDF)",
        "Printed extract (PDF)",
    ),
    "emission.state_proof": (
        "Абалдын далили (JSON)",
        "Доказательство состояния (JSON)",
        "State proof (JSON)",
    ),
    "emission.json": ("Маалыматтар (JSON)", "Данные (JSON)", "Data (JSON)"),
    "emission.history_json": ("Тарых (JSON)", "История (JSON)", "History (JSON)"),
    "emission.not_found": ("Эмиссия табылган жок", "Эмиссия не найдена", "Emission not found"),
    "emission.entry": ("Жазуу", "Запись", "Entry"),
    "emission.basis": ("Негиз", "Основание", "Basis"),
    "anchor.tx": ("Транзакция", "Транзакция", "Transaction"),
    "anchor.block": ("Блок", "Блок", "Block"),
    "anchor.chain": ("Тармак (chain id)", "Сеть (chain id)", "Chain id"),
    "anchor.contract": ("Контракт", "Контракт", "Contract"),
    "anchor.covers": ("Жазууларды камтыйт", "Покрывает записи", "Covers entries"),
    "f.regno": (
        "Мамлекеттик каттоо номери",
        "Государственный регистрационный номер",
        "State registration number",
    ),
    "f.application_no": ("Арыздын номери", "Номер заявления", "Application number"),
    "f.status": ("Абалы", "Статус", "Status"),
    "f.issuer_name": (
        "Эмитенттин толук аталышы",
        "Полное наименование эмитента",
        "Issuer's full name",
    ),
    "f.issuer_registration": (
        "Эмитентти мамлекеттик каттоо маалыматтары",
        "Данные государственной регистрации эмитента",
        "Issuer's state registration",
    ),
    "f.legal_form": ("Уюштуруу-укуктук формасы", "Организационно-правовая форма", "Legal form"),
    "f.legal_address": ("Юридикалык дареги", "Юридический адрес", "Legal address"),
    "f.va_type": ("Виртуалдык активдин түрү", "Вид виртуального актива", "Type of virtual asset"),
    "f.name": ("Аталышы", "Наименование", "Name"),
    "f.symbol": ("Белгиси", "Символ", "Symbol"),
    "f.quantity": ("Саны", "Количество", "Quantity"),
    "f.nominal_value": ("Номиналдык наркы", "Номинальная стоимость", "Nominal value"),
    "f.placement_price": ("Жайгаштыруу баасы", "Цена размещения", "Placement price"),
    "f.placement_period": (
        "Жайгаштыруунун башталышы жана аягы",
        "Даты начала и окончания размещения",
        "Placement start and end",
    ),
    "f.issuer_status": (
        "Эмитентти жоюу жана (же) кайра уюштуруу жөнүндө маалымат",
        "Сведения о ликвидации и (или) реорганизации эмитента",
        "Issuer liquidation or reorganization",
    ),
    "f.blockchain": ("Блокчейндин аталышы", "Название блокчейна", "Blockchain"),
    "f.issuer_wallet": ("Эмитенттин капчыгы", "Кошелёк эмитента", "Issuer's wallet"),
    "f.contract_address": ("Смарт-контракттын дареги", "Адрес смарт-контракта", "Smart contract"),
    "f.whitepaper": ("Ак кагаз", "Белая книга", "White paper"),
    "f.collateral": ("Камсыздоо", "Обеспечение", "Collateral"),
    "f.placed": ("Жайгаштырылганы", "Размещено", "Placed"),
    "f.burned": ("Өрттөлгөнү", "Сожжено", "Burned"),
    "f.circulating": ("Жүгүртүүдө", "В обращении", "In circulation"),
    "f.registered_on": ("Катталган күнү", "Дата регистрации", "Registered on"),
    "f.none": ("—", "—", "—"),
    "checkpoint.title": ("Текшерүү чекити", "Контрольная точка", "Checkpoint"),
    "checkpoint.latest": (
        "Акыркы текшерүү чекити",
        "Последняя контрольная точка",
        "Latest checkpoint",
    ),
    "checkpoint.none": (
        "Текшерүү чекити азырынча жок.",
        "Контрольных точек пока нет.",
        "No checkpoint yet.",
    ),
    "checkpoint.size": ("Жазуулардын саны", "Число записей", "Tree size"),
    "checkpoint.log_root": ("Журналдын тамыры", "Корень журнала", "Log root"),
    "checkpoint.state_root": ("Абалдын тамыры", "Корень состояния", "State root"),
    "checkpoint.time": ("Убактысы", "Время", "Time"),
    "checkpoint.signer": ("Кол койгон", "Подписант", "Signer"),
    "checkpoint.signature": ("Кол тамга", "Подпись", "Signature"),
    "checkpoint.all": ("Бардык текшерүү чекиттери", "Все контрольные точки", "All checkpoints"),
    "checkpoint.anchored": ("Блокчейнге бекитилген", "Закреплено в блокчейне", "Anchored"),
    "checkpoint.not_anchored": ("Бекитиле элек", "Не закреплено", "Not anchored yet"),
    "footer.privacy": (
        "Эмитенттин уюштуруучулары жөнүндө маалымат жарыяланбайт (Жобонун 66-п.).",
        "Сведения об учредителях эмитента не публикуются (п. 66 Положения).",
        "Information about issuers' founders is not published (Reg. §66).",
    ),
    "lang.label": ("Тил", "Язык", "Language"),
    # statuses (Reg. §4)
    "status.applied": ("Арыз берилген", "Заявление подано", "Applied"),
    "status.refused": ("Баш тартылган", "Отказано", "Refused"),
    "status.registered": ("Катталган", "Зарегистрирована", "Registered"),
    "status.offer_disclosed": ("Оферта ачыкталган", "Оферта раскрыта", "Offer disclosed"),
    "status.placing": ("Жайгаштырылууда", "Размещается", "Placing"),
    "status.placement_ended": ("Жайгаштыруу аяктады", "Размещение завершено", "Placement ended"),
    "status.reported": ("Отчёт берилген", "Отчёт представлен", "Results reported"),
    "status.circulating": ("Жүгүртүүдө", "В обращении", "Circulating"),
    "status.suspended": ("Токтотулган", "Приостановлена", "Suspended"),
    "status.failed": ("Ишке ашкан жок", "Несостоявшаяся", "Failed"),
    "status.invalid": ("Жараксыз", "Недействительная", "Invalid"),
    "status.cancelled": ("Жокко чыгарылган", "Аннулирована", "Cancelled"),
    "istatus.active": ("Иштеп жатат", "Действует", "Active"),
    "istatus.reorganized": ("Кайра уюштурулган", "Реорганизован", "Reorganized"),
    "istatus.liquidated": ("Жоюлган", "Ликвидирован", "Liquidated"),
    "istatus.bankrupt": ("Банкрот", "Банкрот", "Bankrupt"),
    "type.stablecoin": ("Стейблкоин", "Стейблкоин", "Stablecoin"),
    "type.digital_token": ("Санарип токен", "Цифровой токен", "Digital token"),
    # events
    "event.issuer.registered": (
        "Эмитент реестрге киргизилди",
        "Эмитент внесён в реестр",
        "Issuer entered the register",
    ),
    "event.issuer.updated": (
        "Эмитенттин маалыматтары өзгөрдү",
        "Сведения эмитента изменены",
        "Issuer details changed",
    ),
    "event.issuer.reorganized": (
        "Эмитент кайра уюштурулду",
        "Эмитент реорганизован",
        "Issuer reorganized",
    ),
    "event.issuer.liquidated": ("Эмитент жоюлду", "Эмитент ликвидирован", "Issuer liquidated"),
    "event.emission.applied": ("Арыз берилди", "Подано заявление", "Application filed"),
    "event.emission.registered": ("Катталды", "Зарегистрирована", "Registered"),
    "event.emission.refused": (
        "Каттоодон баш тартылды",
        "Отказано в регистрации",
        "Registration refused",
    ),
    "event.emission.whitepaper_amendment_requested": (
        "Ак кагазды өзгөртүү суралды",
        "Запрошено изменение белой книги",
        "White paper amendment requested",
    ),
    "event.emission.whitepaper_amended": (
        "Ак кагазды өзгөртүү боюнча чечим",
        "Решение по изменению белой книги",
        "White paper amendment decided",
    ),
    "event.emission.offer_disclosed": ("Оферта ачыкталды", "Оферта раскрыта", "Offer disclosed"),
    "event.emission.placement_started": (
        "Жайгаштыруу башталды",
        "Размещение начато",
        "Placement started",
    ),
    "event.emission.placement_ended": (
        "Жайгаштыруу аяктады",
        "Размещение завершено",
        "Placement ended",
    ),
    "event.emission.results_reported": (
        "Жайгаштыруунун жыйынтыктары боюнча отчёт",
        "Отчёт об итогах размещения",
        "Placement results reported",
    ),
    "event.emission.recognized_successful": (
        "Ийгиликтүү деп таанылды",
        "Признана состоявшейся",
        "Recognized successful",
    ),
    "event.emission.recognized_failed": (
        "Ишке ашкан жок деп таанылды",
        "Признана несостоявшейся",
        "Recognized failed",
    ),
    "event.emission.suspended": ("Токтотулду", "Приостановлена", "Suspended"),
    "event.emission.resumed": ("Кайра улантылды", "Возобновлена", "Resumed"),
    "event.emission.declared_failed": (
        "Ишке ашкан жок деп жарыяланды",
        "Объявлена несостоявшейся",
        "Declared failed",
    ),
    "event.emission.invalidated": (
        "Сот жараксыз деп тапты",
        "Признана судом недействительной",
        "Declared invalid by a court",
    ),
    "event.emission.partial_burn": ("Жарым-жартылай өрттөө", "Частичное сжигание", "Partial burn"),
    "event.emission.unplaced_cancelled": (
        "Жайгаштырылбаганы жокко чыгарылды",
        "Неразмещённые аннулированы",
        "Unplaced VAs cancelled",
    ),
    "event.emission.fee_paid": ("Алым төлөндү", "Сбор уплачен", "Fee paid"),
    "event.emission.name_reviewed": (
        "Аталышы каралды",
        "Наименование рассмотрено",
        "Name reviewed",
    ),
    "event.issuer.name_reviewed": (
        "Эмитенттин аталышы каралды",
        "Наименование эмитента рассмотрено",
        "Issuer's name reviewed",
    ),
    "event.miner.registered": (
        "Катталды, сертификат берилди",
        "Зарегистрирован, выдан сертификат",
        "Registered, certificate issued",
    ),
    "event.miner.updated": ("Маалыматтар өзгөрдү", "Сведения изменены", "Data changed"),
    "event.miner.suspended": ("Токтотулду", "Приостановлен", "Suspended"),
    "event.miner.resumed": ("Кайра улантылды", "Возобновлён", "Resumed"),
    "event.miner.terminated": ("Укугу токтотулду", "Право прекращено", "Right ended"),
    "event.miner.info_requested": (
        "Маалымат суралды",
        "Запрошена информация",
        "Information requested",
    ),
    "event.miner.info_provided": (
        "Маалымат берилди",
        "Информация представлена",
        "Information provided",
    ),
    "event.emission.cancellation_notified": (
        "Жокко чыгаруу кабарланды",
        "Уведомление об аннулировании",
        "Cancellation notified",
    ),
    "event.emission.cancellation_published": (
        "Жокко чыгаруу жарыяланды",
        "Аннулирование опубликовано",
        "Cancellation published",
    ),
    "event.emission.quarter_reported": (
        "Чейректик отчёт берилди",
        "Квартальный отчёт представлен",
        "Quarterly report filed",
    ),
    "event.emission.proceeds_returned": (
        "Каражаттар ээлерине кайтарылды",
        "Средства возвращены владельцам",
        "Proceeds returned to holders",
    ),
    "event.emission.recognition_notified": (
        "Таануу боюнча чечим эмитентке берилди",
        "Решение о признании направлено эмитенту",
        "Recognition decision delivered",
    ),
    "event.emission.results_disclosed": (
        "Жыйынтыктар ачыкка чыгарылды",
        "Итоги раскрыты",
        "Results disclosed",
    ),
    "event.emission.cancellation_prenotified": (
        "Жокко чыгаруу алдын ала кабарланды",
        "Предварительное уведомление об аннулировании",
        "Cancellation pre-notified",
    ),
    "event.emission.remedy_requested": (
        "Кемчиликтерди оңдоо талап кылынды",
        "Направлено требование устранить нарушения",
        "Remedy of defects requested",
    ),
    "event.emission.documents_amended": (
        "Оңдолгон документтер берилди",
        "Представлены исправленные документы",
        "Amended documents filed",
    ),
    "event.emission.collateral_reappraised": (
        "Күрөө кайра бааланды",
        "Залог переоценён",
        "Collateral reappraised",
    ),
    "event.emission.cancelled": (
        "Каттоо номери жокко чыгарылды",
        "Номер аннулирован",
        "Registration number cancelled",
    ),
    # on-chain verification (node/verification): entries, outcomes, severities, checks
    "event.verification.observed": (
        "Блокчейнде текшерилди",
        "Проверка в блокчейне",
        "Checked on chain",
    ),
    "event.verification.finding": (
        "Текшерүүдө бузуу табылды",
        "Проверкой выявлено замечание",
        "Finding recorded",
    ),
    "event.verification.finding_resolved": (
        "Табылган бузуу жоюлду",
        "Замечание снято",
        "Finding resolved",
    ),
    "event.verification.wallet_proof": (
        "Капчыкты башкаруу далилденди",
        "Подтверждено владение кошельком",
        "Wallet control proven",
    ),
    "event.verification.source_filed": (
        "Контракттын баштапкы коду берилди",
        "Подан исходный код контракта",
        "Contract source filed",
    ),
    "outcome.checked": ("Текшерилди", "Проверено", "Checked"),
    "outcome.unsupported_chain": ("EVM эмес блокчейн", "Блокчейн не EVM", "Not an EVM chain"),
    "outcome.unknown_chain": ("Белгисиз блокчейн", "Неизвестный блокчейн", "Unknown chain"),
    "outcome.no_endpoint": (
        "RPC дареги коюлган эмес",
        "RPC-адрес не настроен",
        "No RPC endpoint configured",
    ),
    "outcome.unreachable": ("Блокчейн жооп берген жок", "Блокчейн не ответил", "Unreachable"),
    "outcome.invalid_address": ("Дарек туура эмес", "Неверный адрес", "Invalid address"),
    "severity.critical": ("Олуттуу", "Критично", "Critical"),
    "severity.warning": ("Эскертүү", "Предупреждение", "Warning"),
    "severity.info": ("Маалымат", "Информация", "Info"),
    "check.chain.unsupported": (
        "Көрсөтүлгөн блокчейн EVM эмес: текшерүүгө болбойт",
        "Заявленный блокчейн не EVM: проверка невозможна",
        "The declared blockchain is not EVM: it cannot be verified",
    ),
    "check.chain.unknown": (
        "Көрсөтүлгөн блокчейн тармактар таблицасында жок",
        "Заявленного блокчейна нет в таблице сетей",
        "The declared blockchain is not in the chain table",
    ),
    "check.address.invalid": (
        "Көрсөтүлгөн контракт же капчык EVM дареги эмес",
        "Заявленный контракт или кошелёк — не адрес EVM",
        "The declared contract or wallet is not an EVM address",
    ),
    "check.code.missing": (
        "Көрсөтүлгөн даректе контракт жок",
        "По заявленному адресу нет контракта",
        "No contract at the declared address",
    ),
    "check.code.changed": (
        "Контракттын коду өзгөрдү",
        "Код контракта изменился",
        "The contract's code changed",
    ),
    "check.proxy.upgradeable": (
        "Жаңыртылуучу прокси: анын логикасын алмаштырууга болот",
        "Обновляемый прокси: его логику можно заменить",
        "Upgradeable proxy: its logic can be replaced",
    ),
    "check.proxy.implementation-changed": (
        "Проксинин логикасы алмаштырылды",
        "Реализация прокси изменилась",
        "The proxy's implementation changed",
    ),
    "check.erc20.metadata-unreadable": (
        "Токендин аталышын же белгисин окууга болбойт",
        "Не удаётся прочитать название или символ токена",
        "The token's name or symbol cannot be read",
    ),
    "check.erc20.name-mismatch": (
        "Токендин name() катталган аталышка дал келбейт",
        "name() токена не совпадает с зарегистрированным наименованием",
        "The token's name() is not the registered name",
    ),
    "check.erc20.symbol-mismatch": (
        "Блокчейндеги аталышы же белгиси реестрге дал келбейт",
        "Название или символ в блокчейне не совпадает с реестром",
        "The name or symbol on chain differs from the register",
    ),
    "check.names.forbidden-word": (
        "Блокчейндеги аталышта тыюу салынган сөз бар",
        "Название в блокчейне содержит запрещённое слово",
        "The name on chain uses a reserved word",
    ),
    "check.supply.exceeds-register": (
        "Блокчейндеги чыгарылыш катталган сандан ашат",
        "Выпуск в блокчейне превышает зарегистрированное количество",
        "The supply on chain exceeds the registered quantity",
    ),
    "check.supply.below-register": (
        "Блокчейндеги чыгарылыш реестрдегиден аз",
        "Выпуск в блокчейне меньше, чем в реестре",
        "The supply on chain is below the register",
    ),
    "check.supply.circulating-mismatch": (
        "Жүгүртүүдөгү саны реестрге дал келбейт",
        "Количество в обращении не совпадает с реестром",
        "The amount in circulation differs from the register",
    ),
    "check.burn.unregistered": (
        "Блокчейндеги өрттөө реестрге катталган эмес",
        "Сжигание в блокчейне не отражено в реестре",
        "A burn on chain is not in the register",
    ),
    "check.burn.unmatched-entry": (
        "Реестрдеги өрттөө блокчейнден табылган жок",
        "Сжигание из реестра не найдено в блокчейне",
        "A burn in the register is not found on chain",
    ),
    "check.burn.amount-mismatch": (
        "Өрттөлгөн саны реестрге дал келбейт",
        "Сожжённое количество не совпадает с реестром",
        "The burned amount differs from the register",
    ),
    "check.burn.locked-not-burned": (
        "Токендер өрттөлгөн эмес, бөгөттөлгөн дарекке жөнөтүлгөн",
        "Токены не сожжены, а отправлены на заблокированный адрес",
        "Tokens were sent to a locked address, not burned",
    ),
    "check.mint.beyond-quantity": (
        "Катталган сандан ашык чыгарылган",
        "Выпущено сверх зарегистрированного количества",
        "Minted beyond the registered quantity",
    ),
    "check.mint.outside-placement": (
        "Жайгаштыруу мөөнөтүнөн тышкары чыгарылган",
        "Выпуск вне срока размещения",
        "Minted outside the placement period",
    ),
    "check.admin.owner-mismatch": (
        "Контракттын ээси көрсөтүлгөн капчык эмес",
        "Владелец контракта — не заявленный кошелёк",
        "The contract's owner is not the declared wallet",
    ),
    "check.admin.wallet-not-admin": (
        "Көрсөтүлгөн капчыкта администратордун ролу жок",
        "У заявленного кошелька нет роли администратора",
        "The declared wallet holds no admin role",
    ),
    "check.source.mismatch": (
        "Берилген баштапкы код блокчейндеги кодго дал келбейт",
        "Поданный исходный код не соответствует коду в блокчейне",
        "The filed source does not match the code on chain",
    ),
    "check.source.partial-match": (
        "Баштапкы код метамаалыматтан башкасы боюнча дал келет",
        "Исходный код совпадает, кроме метаданных",
        "The filed source matches except its metadata",
    ),
    "check.source.compiler-unavailable": (
        "Компилятордун бул версиясы жок",
        "Эта версия компилятора недоступна",
        "This compiler version is not available",
    ),
    "check.source.compile-failed": (
        "Берилген баштапкы код компиляцияланбайт",
        "Поданный исходный код не компилируется",
        "The filed source does not compile",
    ),
    "emission.lastrun": ("Акыркы текшерүү", "Последняя проверка", "Last verification"),
    "emission.findings.open_none": (
        "Ачык бузуулар жок.",
        "Открытых замечаний нет.",
        "No open findings.",
    ),
    "emission.wallet_proof": (
        "Капчыкты башкаруу далили",
        "Подтверждение владения кошельком",
        "Wallet control proof",
    ),
    "emission.source": (
        "Контракттын баштапкы коду",
        "Исходный код контракта",
        "Contract source",
    ),
    "emission.verification_json": (
        "Блокчейндеги текшерүү (JSON)",
        "Проверка в блокчейне (JSON)",
        "On-chain verification (JSON)",
    ),
    "col.severity": ("Деңгээли", "Важность", "Severity"),
    "col.finding": ("Текшерүү", "Проверка", "Check"),
    "col.expected": ("Реестрде", "В реестре", "In the register"),
    "col.observed": ("Блокчейнде", "В блокчейне", "On chain"),
    "col.since": ("Качантан бери", "С даты", "Since"),
    # deadlines
    "deadline.decision": ("Каттоо боюнча чечим", "Решение о регистрации", "Registration decision"),
    "deadline.whitepaper_review": (
        "Ак кагазды кароо",
        "Рассмотрение белой книги",
        "White paper review",
    ),
    "deadline.results_report": ("Жыйынтыктар боюнча отчёт", "Отчёт об итогах", "Results report"),
    "deadline.recognition": ("Таануу боюнча чечим", "Решение о признании", "Recognition decision"),
    "deadline.remedy": ("Бузууларды четтетүү", "Устранение нарушений", "Remedy of violations"),
    "deadline.cancellation": (
        "Номерди жокко чыгаруу",
        "Аннулирование номера",
        "Cancellation of the number",
    ),
    "deadline.notification": ("Кабарлоо", "Уведомление", "Notification"),
    "deadline.publication": ("Жарыялоо", "Опубликование", "Publication"),
    "deadline.register_entry": ("Реестрге жазуу", "Запись в реестр", "Register entry"),
    "deadline.fee_installment": ("Алымдын бөлүгү", "Часть сбора", "Fee installment"),
    "deadline.fee_report": ("Чейректик отчёт", "Квартальный отчёт", "Quarterly report"),
    "deadline.recognition_notice": (
        "Таануу боюнча чечимди берүү",
        "Направление решения о признании",
        "Recognition decision notice",
    ),
    "deadline.results_disclosure": (
        "Жыйынтыктарды ачыкка чыгаруу",
        "Раскрытие итогов",
        "Disclosure of results",
    ),
    "deadline.documents_remedy": (
        "Документтердеги кемчиликтерди оңдоо",
        "Устранение нарушений в документах",
        "Remedy of the documents' defects",
    ),
    "deadline.appraisal_validity": (
        "Күрөөнү баалоонун мөөнөтү",
        "Срок действия оценки залога",
        "Collateral appraisal valid until",
    ),
    "deadline.prenotice": (
        "Алдын ала кабарлоо",
        "Предварительное уведомление",
        "Preliminary notice",
    ),
    "deadline.unplaced_cancellation": (
        "Жайгаштырылбаганды жокко чыгаруу",
        "Аннулирование неразмещённых",
        "Cancellation of unplaced VAs",
    ),
}


def text(key: str, lang: str) -> str:
    """The text ``key`` in ``lang`` (the key itself when it has no translation)."""
    entry = _TEXTS.get(key)
    if entry is None:
        return key
    return entry[LANGUAGES.index(lang) if lang in LANGUAGES else 0]


def region_name(region: Region, lang: str) -> str:
    """Annex 7 region name in ``lang``."""
    return {"ky": region.name_ky, "ru": region.name_ru}.get(lang, region.name_en)


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The page language: ``?lang=``, then the ``lang`` cookie, then Accept-Language, then ky."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def keys() -> frozenset[str]:
    """Every text key (tests check each has three non-empty translations)."""
    return frozenset(_TEXTS)


def translations(key: str) -> tuple[str, str, str]:
    """The (ky, ru, en) texts of ``key``.

    Raises:
        KeyError: no such key.
    """
    return _TEXTS[key]
