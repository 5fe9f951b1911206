"""Sentence templates and slot fillers for the generated call transcripts.

Kept apart from :mod:`workbench.sample.transcripts` so the wording can be
reviewed (and extended) without reading the assembly code. Each topic has
several paraphrases for every move of a call, and the topics deliberately
share vocabulary (账单/扣费 across billing topics, 路由器/WiFi across the
technical ones, 套餐 across sales, "not happy" across complaints) so topic
mining has to use more than one keyword.

Placeholders in braces are slots filled once per call (``{amount}`` says the
same amount every time it recurs in a call; ``{amount2}`` is a second one).
"""

from __future__ import annotations

import numpy as np

COMPANY = {"zh": "云桥通信", "en": "Skybridge Telecom"}

# ---------------------------------------------------------------------------
# Call frame: greeting, disclosure, verification, hold, closing.
# ---------------------------------------------------------------------------

GREETING = {
    "zh": (
        "您好，欢迎致电{company}，工号{agent_no}为您服务。",
        "您好，{company}客服中心，我是{agent_no}号客服小{agent_surname}。",
        "您好，这里是{company}，很高兴为您服务。",
        "{company}您好，我是客服代表小{agent_surname}。",
    ),
    "en": (
        "Thank you for calling {company}, my name is {agent_name}.",
        "Hi, you've reached {company}, this is {agent_name} speaking.",
        "Good day, {company} customer service, {agent_name} here.",
        "Hello and thanks for calling {company}, I'm {agent_name}.",
    ),
}

HOW_CAN_I_HELP = {
    "zh": ("请问有什么可以帮您？", "请问您需要办理什么业务？", "请问有什么可以帮到您的？"),
    "en": ("How can I help you today?", "What can I do for you today?", "How may I help you?"),
}

# Every variant carries 录音 / "recorded": the compliance check looks for a
# disclosure, and no other template uses these words.
DISCLOSURE = {
    "zh": (
        "本次通话可能会被录音。",
        "为了保证服务质量，本次通话可能会被录音。",
        "温馨提示，本次通话可能会被录音，用于服务质量监督。",
        "先跟您说明一下，本次通话可能会被录音。",
        "为了提升服务质量，您的通话可能会被录音。",
    ),
    "en": (
        "This call may be recorded for quality and training purposes.",
        "Please note this call may be recorded for quality and training purposes.",
        "Just so you know, this call may be recorded for training and quality purposes.",
        "Calls may be recorded for quality and training purposes.",
        "This call may be monitored or recorded for quality assurance.",
    ),
}

CUSTOMER_HELLO = {
    "zh": ("喂，你好。", "喂？您好。", "你好你好。", "喂，是客服吗？", "嗯，你好。"),
    "en": ("Hello?", "Hi, hello.", "Yeah, hi.", "Hi there.", "Hello, is this customer service?"),
}

CUSTOMER_FILLER = {
    "zh": ("喂，", "喂，您好，", "您好，", "你好，", "嗯，", "请问一下，", "那个，", "就是，", "是这样的，", ""),
    "en": ("Hi, ", "Hello, ", "Um, ", "Uh, so ", "Yeah, hi, ", "Hi, um, ", "So ", "Hey, ", ""),
}

BACKCHANNEL = {
    "zh": ("嗯。", "好的。", "嗯嗯。", "哦，这样啊。", "对。", "OK。", "行。", "明白了。", "嗯，好。"),
    "en": ("Okay.", "Right.", "Uh huh.", "I see.", "Yeah.", "Sure.", "Okay, got it.", "Mm hmm."),
}

GENERIC_AGENT = {
    "zh": (
        "我帮您查一下账户信息。",
        "您的账户目前状态是正常的。",
        "请问这个号码是您本人在使用吗？",
        "我这边看一下系统记录。",
        "您说的情况我明白了。",
        "这个问题我需要跟后台确认一下。",
        "我看到您的账户下有两个号码。",
        "好的，我记录一下。",
        "我们的工作人员会尽快处理。",
        "您这个号码是实名登记的，没问题。",
        "我跟您确认一下，您是机主本人对吗？",
        "后续有进展我们会短信通知您。",
    ),
    "en": (
        "Let me pull up your account.",
        "Your account is in good standing.",
        "Is this number the one on the account?",
        "Let me check the notes in the system.",
        "Okay, I understand.",
        "I'll need to confirm that with the back office.",
        "I can see two numbers under your account.",
        "Alright, let me make a note of that.",
        "The account is registered in your name, so that's fine.",
        "Just to confirm, are you the account holder?",
        "We'll text you when there's an update.",
    ),
}

GENERIC_CUSTOMER = {
    "zh": (
        "对，号码一直是我自己在用。",
        "账户是用我身份证开的。",
        "我也不太懂这些，你帮我看看。",
        "好的，麻烦你了。",
        "这个号码我用了好多年了。",
        "你们系统里应该有记录的吧。",
        "我昨天在app上看了一下，也没看明白。",
        "我现在在外面，说话不太方便。",
        "是我本人，号码是我自己的。",
        "你们这个电话真难打通。",
        "嗯，你说吧，我听着。",
    ),
    "en": (
        "Yes, it's my number, I've had it for years.",
        "The account is under my name.",
        "I'm not very technical, so whatever you can do.",
        "Okay, thanks for checking.",
        "You should have a record of this in your system.",
        "I looked in the app yesterday but it didn't make sense to me.",
        "Okay, go ahead.",
        "Yeah, the account number should be on file.",
        "I don't want to make a complaint, I just want it fixed.",
        "I'm out right now, so it's a bit noisy.",
        "Yes, it's me, the account is mine.",
        "It took forever to get through to you guys.",
    ),
}

HOLD = {
    "zh": ("请您稍等，我帮您查询一下。", "麻烦您稍等一下，我这边看一下系统。", "您先别挂，我去确认一下。"),
    "en": (
        "Let me check that for you, one moment please.",
        "Could you hold for a moment while I look into this?",
        "Bear with me for a minute while I check.",
    ),
}

AFTER_HOLD = {
    "zh": ("感谢您的耐心等待。", "让您久等了。", "不好意思让您久等了。"),
    "en": ("Thanks for holding.", "Thank you for waiting.", "Sorry about the wait."),
}

CUSTOMER_SEARCHING = {
    "zh": ("等一下，我找一下。", "稍等，我拿一下卡。", "你等我一下啊，我翻一下。"),
    "en": ("Hang on, let me find it.", "One second, I need to grab my wallet.", "Hold on, let me look it up."),
}

OFF_TOPIC_PREFIX = {
    "zh": ("对了，", "另外，", "还有个事，", "顺便说一下，", "哦对，"),
    "en": ("Oh, and ", "Also, ", "By the way, ", "One more thing, ", "Actually, "),
}

OFF_TOPIC_SUFFIX = {
    "zh": ("。", "，这个能一起看看吗？", "，你们能处理一下吗？"),
    "en": (".", ", can you look at that too?", "."),
}

OFF_TOPIC_AGENT = {
    "zh": (
        "这个我也帮您记录一下，稍后专门处理。",
        "好的，这个我一并帮您登记。",
        "这个问题您可以稍后再来电咨询，我先把这个处理完。",
    ),
    "en": (
        "I'll make a note of that as well.",
        "Sure, I'll add that to the ticket.",
        "For that one, I can transfer you once we finish this.",
    ),
}

CLOSING_AGENT = {
    "zh": ("请问还有其他可以帮您的吗？", "还有别的问题吗？", "请问还有什么需要帮忙的吗？"),
    "en": (
        "Is there anything else I can help you with today?",
        "Anything else I can do for you?",
        "Is there anything else?",
    ),
}

CLOSING_CUSTOMER = {
    "zh": ("没有了，谢谢。", "没了，谢谢你啊。", "暂时没有了。", "好的，那就这样吧。"),
    "en": ("No, that's all, thanks.", "No, that's it, thank you.", "Nope, that's everything.", "That's all for now."),
}

GOODBYE = {
    "zh": (
        "感谢您的来电，祝您生活愉快，再见！",
        "好的，稍后请对我的服务进行评价，再见！",
        "感谢您的耐心，再见。",
    ),
    "en": (
        "Thank you for calling {company}, have a great day!",
        "Thanks for your patience, you may get a short survey after this call. Goodbye!",
        "You're welcome, take care. Bye now.",
    ),
}

# ---------------------------------------------------------------------------
# Verification with personal data. "{pii}" marks where the value goes.
# ---------------------------------------------------------------------------

VERIFY_ASK = {
    "zh": {
        "phone": (
            "为了核实身份，麻烦您报一下机主的手机号码。",
            "请问您登记的联系电话是多少？",
            "先跟您核对一下，您的手机号是多少？",
        ),
        "cn_resident_id": ("请提供一下机主的身份证号码。", "为了保护您的账户安全，需要核实一下您的身份证号。"),
        "bank_card": ("请问您绑定的银行卡卡号是多少？", "麻烦您说一下扣款的那张银行卡号。"),
        "email": ("您留一个邮箱吧，处理结果我们发到您邮箱。", "请问您的电子邮箱是什么？"),
    },
    "en": {
        "phone": (
            "For security, can I get the phone number on the account?",
            "Can you confirm the best callback number?",
            "Before we start, what's the phone number on the account?",
        ),
        "bank_card": ("Can you read me the card number you used?", "What's the card number on file?"),
        "email": (
            "What email address should I send the confirmation to?",
            "Can I get your email address for the ticket?",
        ),
    },
}

VERIFY_ANSWER = {
    "zh": {
        "phone": (
            "我的手机号是{pii}。",
            "号码是{pii}。",
            "{pii}，就是我现在打电话的这个号。",
            "嗯，{pii}。",
            "是{pii}。",
        ),
        "cn_resident_id": ("身份证号是{pii}。", "我的身份证号码是{pii}。", "我念一下啊，{pii}。"),
        "bank_card": ("卡号是{pii}。", "是{bank}的卡，卡号{pii}。", "我念一下啊，{pii}。"),
        "email": ("我的邮箱是{pii}。", "发到{pii}就行。", "邮箱是{pii}，谢谢。"),
    },
    "en": {
        "phone": ("Sure, it's {pii}.", "It's {pii}.", "Yeah, {pii}.", "My number is {pii}."),
        "bank_card": ("The card number is {pii}.", "Okay, it's {pii}.", "It's a {bank} card, {pii}."),
        "email": ("It's {pii}.", "My email is {pii}.", "Sure, {pii}."),
    },
}

VERIFY_CONFIRM = {
    "zh": ("好的，信息核实无误，谢谢。", "好的，已经为您核实。", "收到，我记下了。", "好的，跟系统里登记的一致。"),
    "en": ("Thank you, that matches what I have.", "Great, you're verified.", "Got it, thanks.", "Perfect, thank you."),
}

# ---------------------------------------------------------------------------
# Prohibited phrases: canonical phrase -> sentences that contain it verbatim
# (English matched case-insensitively). No other template contains them.
# ---------------------------------------------------------------------------

PROHIBITED = {
    "zh": {
        "这不归我管": ("这不归我管，您去营业厅问吧。", "说实话这不归我管，我只能帮您转一下。"),
        "你自己看着办": ("规定就是这样，你自己看着办吧。", "你自己看着办，要不就别办了。"),
        "我也没办法": ("系统就是这么设置的，我也没办法。", "我也没办法，您要不明天再打。"),
        "爱办不办": ("就这个价格，爱办不办。",),
        "你听不懂吗": ("我都说了三遍了，你听不懂吗？",),
    },
    "en": {
        "that's not my problem": (
            "Honestly, that's not my problem, you'll have to call someone else.",
            "Look, that's not my problem.",
        ),
        "calm down": ("You need to calm down.", "Okay, calm down, I'm trying to help."),
        "there's nothing i can do": (
            "There's nothing I can do about it, that's the policy.",
            "Like I said, there's nothing I can do.",
        ),
        "i don't make the rules": ("I don't make the rules, I just follow them.",),
        "you should have read the contract": ("Well, you should have read the contract before signing.",),
    },
}

PROHIBITED_REACTION = {
    "zh": ("你这是什么态度？", "你怎么这么说话？", "我要投诉你！", "你们就是这么服务的？"),
    "en": (
        "Excuse me? That's not very helpful.",
        "Wow, okay.",
        "I can't believe you just said that.",
        "That's really rude.",
    ),
}

VAGUE_OPENING = {
    "zh": ("我想咨询一下我账户的问题。", "我想问个事情。", "我这个号码有点问题。", "我想了解一下我的业务情况。"),
    "en": (
        "I have a question about my account.",
        "I need some help with my account.",
        "I've got a problem with my service.",
        "I'm calling about my account.",
    ),
}

ASK_SPECIFICS = {
    "zh": ("好的，请您具体说一下是什么问题？", "您具体遇到了什么情况呢？", "好的，您说。"),
    "en": ("Sure, what seems to be the problem?", "Okay, can you tell me a bit more?", "Of course, what's going on?"),
}

# Sentences shared by every topic of a queue: they carry the queue's
# vocabulary, so a topic model must separate neighbours on finer evidence.
QUEUE_SHARED: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "billing": {
        "zh": {
            "customer": (
                "我每个月都是按时交的。",
                "这个钱到底是怎么算的？",
                "我的话费一般就几十块。",
                "能不能把明细发给我看看？",
                "我账户里还有多少钱？",
                "要是扣错了能退款吗？",
                "我是用{payment}交的费。",
                "短信里也没说清楚。",
                "我这个号是月初扣费的吧？",
                "家里几个号码都是一个账户。",
            ),
            "agent": (
                "我看一下您的账单和缴费记录。",
                "您目前的账户余额是{amount2}。",
                "您的账单日是每个月一号。",
                "这笔款项会体现在下个月的账单里。",
                "详细的费用明细您可以在{app}上查看。",
                "您的号码目前没有停机，可以正常使用。",
                "我这边看到您上个月的消费是{amount2}。",
                "您的账户是预付费的，话费用完会提醒您。",
                "费用方面的问题我都帮您备注在账户里了。",
                "每笔扣费系统里都有记录。",
            ),
        },
        "en": {
            "customer": (
                "I always pay on time.",
                "How exactly is this calculated?",
                "My bill is usually pretty low.",
                "Can you send me the breakdown?",
                "How much is left on my balance?",
                "If it's a mistake, can I get a refund?",
                "I pay with {payment}.",
                "The text message didn't really explain anything.",
                "Isn't my bill due at the start of the month?",
                "All the lines in my family are on one account.",
            ),
            "agent": (
                "Let me look at your billing and payment history.",
                "Your current balance is {amount2}.",
                "Your billing cycle starts on the first of the month.",
                "That will show up on next month's statement.",
                "You can see the full breakdown in {app}.",
                "I'm pulling up your last three statements.",
                "I can see last month's usage came to {amount2}.",
                "Your account is prepaid, so you'll get a reminder when the balance runs low.",
                "I've put a note about the charges on your account.",
                "Every charge is logged in our system.",
            ),
        },
    },
    "tech_support": {
        "zh": {
            "customer": (
                "家里是{device}，用了两年了。",
                "我不太懂这些技术上的东西。",
                "是不是你们那边的问题？",
                "我已经按说明书弄过了。",
                "灯是亮的，但就是不行。",
                "我儿子平时弄这个，他今天不在家。",
                "我现在就在设备旁边。",
                "你说慢一点，我记一下。",
                "插头我都检查过了。",
                "电脑和手机都试过了。",
            ),
            "agent": (
                "我这边远程帮您检测一下线路。",
                "请问光猫和路由器是放在一起的吗？",
                "您先别着急，我们一步一步来。",
                "我给您发一个工单号，您记一下。",
                "您那边操作的时候跟我说一声。",
                "系统显示您的设备在线。",
                "您先把设备断电，等三十秒再插上。",
                "我这边看到您的宽带账号是正常的。",
                "如果师傅上门，需要家里有人。",
                "您看一下设备背面的标签。",
            ),
        },
        "en": {
            "customer": (
                "I have {device}, it's about two years old.",
                "I'm not very good with the technical stuff.",
                "Is it something on your end?",
                "I already followed the instructions in the manual.",
                "The lights are on but it's just not working.",
                "My son usually handles this but he's not home.",
                "I'm standing right next to it now.",
                "Can you slow down a little so I can write this down?",
                "I checked all the plugs already.",
                "I tried it on my laptop and my phone.",
            ),
            "agent": (
                "Let me run a quick test on your line.",
                "Are the modem and the router in the same room?",
                "No worries, we'll go through it step by step.",
                "I'll give you a ticket number for this.",
                "Let me know when you've done that.",
                "I can see your equipment is online.",
                "Unplug the power, wait thirty seconds and plug it back in.",
                "Your broadband account looks normal on my side.",
                "If a technician comes out, someone needs to be home.",
                "Have a look at the label on the back of the device.",
            ),
        },
    },
    "complaints": {
        "zh": {
            "customer": (
                "我真的很生气。",
                "你们就是这么对待老客户的？",
                "这已经不是第一次了。",
                "我希望你们能认真处理。",
                "我不想再打这么多次电话了。",
                "你们得给我一个解决办法。",
                "我在你们这儿用了很多年了。",
                "每次都说会处理，结果呢？",
                "我要找你们领导。",
                "这个事情耽误了我很多时间。",
            ),
            "agent": (
                "非常抱歉给您带来不便。",
                "我理解您的心情。",
                "您反映的问题我都记下来了。",
                "这个情况我会如实反馈。",
                "我们会认真对待您的意见。",
                "请您放心，我会跟进到底。",
                "我先帮您查一下之前的记录。",
                "这个问题确实是我们做得不好。",
                "我会把您的诉求完整地转给相关部门。",
                "给您添麻烦了。",
            ),
        },
        "en": {
            "customer": (
                "I'm honestly really upset.",
                "Is this how you treat loyal customers?",
                "This isn't the first time this has happened.",
                "I want this taken seriously.",
                "I don't want to keep calling over and over.",
                "You need to give me a solution.",
                "I've been with you for years.",
                "Every time they say it'll be handled, and then what?",
                "I want to speak to a manager.",
                "This has wasted so much of my time.",
            ),
            "agent": (
                "I'm very sorry for the inconvenience.",
                "I completely understand your frustration.",
                "I've written down everything you mentioned.",
                "I'll pass this feedback on exactly as you said it.",
                "We take this kind of feedback seriously.",
                "I'll personally make sure this is followed up.",
                "Let me look at the history on your account first.",
                "We clearly got this wrong.",
                "I'll pass your request on in full to the right team.",
                "I'm sorry for the trouble.",
            ),
        },
    },
    "sales": {
        "zh": {
            "customer": (
                "最近有什么优惠活动吗？",
                "老用户有没有什么福利？",
                "这个要签合约吗？",
                "月租能不能再便宜一点？",
                "办了以后能不能随时改？",
                "我朋友说你们有个优惠很划算。",
                "流量用不完能不能结转到下个月？",
                "我家里人也用你们的卡。",
                "需要去营业厅吗？",
                "送的东西什么时候到账？",
            ),
            "agent": (
                "我们最近正好有个优惠活动。",
                "老用户办理也可以享受优惠。",
                "合约期是十二个月。",
                "这个套餐没有违约金，随时可以改。",
                "这个优惠这个月底就结束了。",
                "您在{app}上也可以自助办理。",
                "当月没用完的流量可以结转到下个月。",
                "家庭成员可以加入共享。",
                "我这边可以直接帮您在线办理。",
                "办理成功以后会有短信确认。",
            ),
        },
        "en": {
            "customer": (
                "Are there any promotions right now?",
                "Do you have anything for existing customers?",
                "Is there a contract for that?",
                "Can the monthly price go any lower?",
                "Can I change it later if I want?",
                "A friend told me you have a really good deal.",
                "Does unused data roll over?",
                "My family is with you too.",
                "Do I need to go into a store?",
                "When does the bonus show up?",
            ),
            "agent": (
                "We actually have a promotion running right now.",
                "Existing customers can get the offer too.",
                "It's a twelve month agreement.",
                "There's no early termination fee on this one.",
                "Unused data rolls over to the next month.",
                "Family members can join and share.",
                "I can set this up for you right now over the phone.",
                "You'll get a text once it's done.",
                "The offer ends at the end of this month.",
                "You can also do this yourself in {app}.",
            ),
        },
    },
}

# ---------------------------------------------------------------------------
# Topics: opening (customer states the reason), detail (customer adds facts),
# probe (agent asks), action (agent explains or does), resolution (agent
# closes the issue), mention (a clause used when this is the off-topic aside).
# ---------------------------------------------------------------------------

TOPIC_TEMPLATES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "bill_dispute": {
        "zh": {
            "opening": (
                "我想问一下，我{month}的话费怎么多了{amount}，我没用过这个业务啊。",
                "我这个月账单不对，多扣了{amount}，能帮我查一下吗？",
                "我收到短信说{month}话费是{amount}，比平时高好多，这是怎么回事？",
                "你们账单上有一项{fee}，我从来没开通过，为什么要收我钱？",
                "我要反映一下乱扣费的问题，{fee}我根本没订过。",
                "帮我看看我的账单，{date}莫名其妙扣了{amount}。",
            ),
            "detail": (
                "我平时每个月就{amount2}左右，这次突然多了这么多。",
                "这个{fee}是什么时候开通的？我都不知道。",
                "我在{app}上看了账单明细，里面有好几笔看不懂的。",
                "我没有出国，怎么会有漫游费呢？",
                "我家里老人用这个号，肯定不会去订什么会员。",
            ),
            "probe": (
                "请问您说的是哪个月的账单呢？",
                "您方便说一下这笔费用的具体金额吗？",
                "您看到的这项收费名称是什么呢？",
                "您最近有没有在手机上点过什么订购链接？",
            ),
            "action": (
                "我这边查到{date}有一笔{fee}，是通过短信订购的。",
                "系统显示这笔{amount}是{fee}，我先帮您把这个业务退订掉。",
                "这笔费用确实有异常，我帮您提交一个账单核查申请。",
                "我看了一下您的账单明细，这个月多出来的主要是{fee}。",
            ),
            "resolution": (
                "核实之后多扣的{amount}会在下个账期返还到您的账户里。",
                "已经帮您退订了，后面不会再扣这个费用了。",
                "核查结果三个工作日内会短信通知您。",
            ),
            "mention": ("我{month}的账单好像也多扣了钱", "我的话费账单里有一项看不懂的收费"),
        },
        "en": {
            "opening": (
                "I'm calling about my bill, there's a charge of {amount} that I don't recognize.",
                "My bill for {month} is way higher than usual and I want to know why.",
                "I was charged {amount} for {fee} and I never signed up for that.",
                "I need to dispute a charge on my latest statement.",
                "There's an extra {amount} on my account that shouldn't be there.",
                "Can you explain this {fee} on my bill? I didn't authorize it.",
            ),
            "detail": (
                "Normally I pay around {amount2} a month, so this is a big jump.",
                "I checked the itemized bill in {app} and there are a few lines I don't understand.",
                "I haven't traveled anywhere, so why is there a roaming charge?",
                "Nobody told me about this fee when I signed up.",
                "It shows up {date}, and I definitely didn't order anything.",
            ),
            "probe": (
                "Which billing period are you looking at?",
                "Can you tell me the exact amount of the charge?",
                "What does the description of the charge say?",
                "Have you clicked on any subscription links on your phone recently?",
            ),
            "action": (
                "I can see {fee} of {amount} posted {date}.",
                "That charge came from a third party subscription, I'll cancel it for you.",
                "This does look like a billing error, so I'm opening a billing investigation.",
                "Looking at your statement, most of the increase is {fee}.",
            ),
            "resolution": (
                "Once it's verified, the {amount} will be credited back on your next bill.",
                "I've removed the subscription, so you won't see that charge again.",
                "You'll get a text with the outcome within three business days.",
            ),
            "mention": (
                "there was also a weird charge on my last bill",
                "my bill went up last month too and I don't know why",
            ),
        },
    },
    "payment_failed": {
        "zh": {
            "opening": (
                "我刚才用{payment}交话费，钱扣了但是显示缴费失败。",
                "我充了{amount}话费，一直没到账，怎么回事？",
                "我在{app}上缴费老是提示支付失败，交不进去。",
                "我交费交了好几次都不成功，号码马上要停机了。",
                "我的自动扣款没扣成功，短信说我欠费了。",
                "昨天晚上充值，银行那边扣款了，你们这边显示没收到。",
            ),
            "detail": (
                "我试了{payment}和银行卡，都提示交易失败。",
                "页面一直转圈，然后就说订单超时。",
                "我银行卡里钱是够的，不知道为什么扣不了。",
                "我怕停机，因为明天要用这个号码收验证码。",
                "扣款记录我都截图了，{date}扣的{amount}。",
            ),
            "probe": (
                "请问您是通过什么方式缴费的呢？",
                "您缴费的时候有没有看到具体的错误提示？",
                "您方便说一下扣款的时间和金额吗？",
                "您的银行那边显示扣款成功了吗？",
            ),
            "action": (
                "我查到{date}有一笔{amount}的充值订单，状态是处理中。",
                "这种情况一般是银行和支付渠道之间对账延迟造成的。",
                "系统显示您的自动扣款协议已经失效了，需要重新签约。",
                "这笔钱没有到我们这边，我帮您提交一个掉单查询。",
            ),
            "resolution": (
                "如果二十四小时内没到账，款项会原路退回到您的{payment}。",
                "我已经帮您申请了延期停机，三天内不会停机。",
                "您可以重新在{app}上绑定一下银行卡，再试一次就可以了。",
            ),
            "mention": ("我上次交话费也没成功，钱一直没退回来", "自动扣费好像也失败了"),
        },
        "en": {
            "opening": (
                "I tried to pay my bill with {payment} and it keeps getting declined.",
                "The payment came out of my bank but my account still shows it as unpaid.",
                "My autopay didn't go through and now I got a past due notice.",
                "I've been trying to make a payment in {app} and it just says transaction failed.",
                "I paid {amount} {date} but it's not showing up on my account.",
                "My payment failed and I'm worried my service is going to be suspended.",
            ),
            "detail": (
                "I tried {payment} and a debit card, and both got an error.",
                "The page just spins and then says the session timed out.",
                "There's definitely enough money in my account.",
                "I need this line working tomorrow for a work call.",
                "I have a screenshot of the charge from my bank for {amount}.",
            ),
            "probe": (
                "How did you try to make the payment?",
                "Did you see any error message when it failed?",
                "Can you tell me the date and amount of the payment?",
                "Does your bank show the payment as completed or pending?",
            ),
            "action": (
                "I can see a payment attempt of {amount} {date} that's still pending.",
                "That usually happens when the bank and the payment processor are out of sync.",
                "It looks like your autopay authorization expired, so it needs to be set up again.",
                "The money hasn't reached us yet, so I'm raising a payment trace.",
            ),
            "resolution": (
                "If it doesn't post within twenty four hours, it will be refunded to your {payment}.",
                "I've put a hold on suspension, so your service stays on for the next three days.",
                "If you add your card again in {app} and retry, it should go through.",
            ),
            "mention": ("my last payment didn't go through either", "autopay also failed this month"),
        },
    },
    "refund_request": {
        "zh": {
            "opening": (
                "我想申请退款，{month}多交了{amount}。",
                "我之前办的{plan}已经取消了，预存的话费能退给我吗？",
                "你们多收了我的钱，我要退款。",
                "我重复缴费了两次，每次{amount}，能不能退一笔？",
                "我买的{device}七天内退货了，那个合约的钱怎么退？",
                "请问账户里的余额可以退回到银行卡吗？",
            ),
            "detail": (
                "我要退到原来付款的{payment}上。",
                "这个退款大概多久能到账？",
                "上次说给我退，到现在{days}了还没收到。",
                "余额还有{amount2}，我都不用这个号了。",
                "退款需要我去营业厅办手续吗？",
            ),
            "probe": (
                "请问您要退的是哪一笔费用？",
                "您是希望退回原支付账户还是转成话费？",
                "您之前有没有提交过退款申请？",
                "这笔款项是什么时候缴纳的呢？",
            ),
            "action": (
                "我看到您{date}确实有两笔{amount}的缴费记录。",
                "我这边帮您提交退款申请，需要财务审核。",
                "根据规定，预存款退款需要机主本人申请。",
                "您账户里目前可退的余额是{amount2}。",
            ),
            "resolution": (
                "退款会在七到十五个工作日内原路退回。",
                "申请已经提交了，审核通过后会短信通知您。",
                "这笔{amount}已经转成话费，下个月自动抵扣。",
            ),
            "mention": ("我之前申请的退款到现在还没到账", "多交的钱能不能退给我"),
        },
        "en": {
            "opening": (
                "I'd like to request a refund, I was overcharged {amount} {month}.",
                "I canceled {plan} but I still have credit on the account, can I get that back?",
                "I paid my bill twice by mistake and I need one of the payments refunded.",
                "I returned {device} within the trial period, how do I get my money back?",
                "I'm calling about getting a refund for a charge from {month}.",
                "Can the remaining balance on my account be refunded to my card?",
            ),
            "detail": (
                "I want it back on the {payment} I used.",
                "How long does the refund usually take?",
                "I was promised a refund {days} ago and I still haven't seen it.",
                "There's still {amount2} of credit and I don't use this line anymore.",
                "Do I need to go to a store to get the refund?",
            ),
            "probe": (
                "Which charge would you like refunded?",
                "Would you like it back to the original payment method or as account credit?",
                "Have you already submitted a refund request for this?",
                "When was that payment made?",
            ),
            "action": (
                "I can see two payments of {amount} {date}, so one of them is a duplicate.",
                "I'm submitting the refund request now, it needs to be approved by our finance team.",
                "Refunds of prepaid balance have to be requested by the account holder.",
                "The refundable balance on your account is {amount2}.",
            ),
            "resolution": (
                "The refund should reach your original payment method in seven to ten business days.",
                "The request is in, and you'll get a text once it's approved.",
                "I've applied the {amount} as a credit, so it comes off next month's bill.",
            ),
            "mention": (
                "I'm also still waiting on a refund from before",
                "I'd like my money back for the extra charge too",
            ),
        },
    },
    "internet_outage": {
        "zh": {
            "opening": (
                "我家宽带从{date}开始就断网了，一直连不上。",
                "我这边网络完全用不了，WiFi连上了但是打不开网页。",
                "你们网是不是出问题了？我家里的网断了{days}了。",
                "我的宽带老掉线，看个视频卡得不行。",
                "家里光猫上的灯一直红色闪，上不了网。",
                "我们小区是不是在维修？整栋楼都没网。",
            ),
            "detail": (
                "我已经把{device}重启好几次了，还是不行。",
                "光猫上LOS灯是红的。",
                "手机流量是好的，就是家里宽带不行。",
                "我在家办公，没网根本没法工作。",
                "我办的是{speed}的宽带，现在测速只有几兆。",
            ),
            "probe": (
                "请问您光猫上的指示灯是什么状态？",
                "您试过把光猫断电重启吗？",
                "您家里是所有设备都上不了网吗？",
                "请问您的宽带账号是哪个？",
            ),
            "action": (
                "我查到您所在的区域{date}有光缆故障，正在抢修。",
                "系统检测到您的线路信号异常，我帮您派一个维修工单。",
                "我这边远程帮您重置了一下端口，您再试一下。",
                "您那边的光功率偏低，可能是线路有问题。",
            ),
            "resolution": (
                "维修师傅会在二十四小时内上门处理。",
                "预计{eta}恢复，给您带来不便非常抱歉。",
                "断网期间的费用我们会给您减免。",
            ),
            "mention": ("我家宽带这两天也老是断网", "家里的WiFi晚上经常连不上"),
        },
        "en": {
            "opening": (
                "My internet has been down since {date} and nothing's working.",
                "The WiFi shows connected but I can't load any websites.",
                "Is there an outage in my area? The whole building lost internet.",
                "My connection keeps dropping every few minutes, I can't even stream a video.",
                "The light on the modem is blinking red and I have no internet.",
                "I've had no internet for {days} and I work from home.",
            ),
            "detail": (
                "I've restarted {device} a bunch of times already.",
                "The LOS light on the modem is red.",
                "My phone data works fine, it's just the home broadband.",
                "I'm paying for {speed} and the speed test shows like two megs.",
                "It goes out every evening around the same time.",
            ),
            "probe": (
                "What lights do you see on the front of the modem?",
                "Have you tried unplugging the modem for thirty seconds?",
                "Are all of your devices affected or just one?",
                "Is the modem connected with a cable or just WiFi?",
            ),
            "action": (
                "I can see a fiber cut affecting your area {date}, and crews are working on it.",
                "I'm seeing signal errors on your line, so I'm going to book a technician.",
                "I've reset your port remotely, can you try again now?",
                "The signal level on your line is low, which points to a wiring issue.",
            ),
            "resolution": (
                "A technician will come out within twenty four hours.",
                "Service should be restored {eta}, and I'm sorry for the trouble.",
                "We'll credit your account for the days you were without service.",
            ),
            "mention": ("my internet also keeps dropping at night", "the WiFi was out again yesterday"),
        },
    },
    "password_reset": {
        "zh": {
            "opening": (
                "我的服务密码忘了，想重置一下。",
                "我登录{app}的时候密码输错了几次，现在账户被锁了。",
                "我的账号登不上去了，提示密码错误。",
                "我想改一下服务密码，怎么弄？",
                "手机收不到验证码，没办法重置密码。",
                "我的账户被冻结了，说是多次输错密码。",
            ),
            "detail": (
                "我试了好几次，都说验证码已失效。",
                "我记得密码是六位数字，但是不记得是哪个了。",
                "锁定了要多久才能自动解开？",
                "我换了新手机，{app}就登录不了了。",
                "我怕是不是被别人盗号了。",
            ),
            "probe": (
                "请问您是要重置服务密码还是{app}的登录密码？",
                "您现在能正常收到短信验证码吗？",
                "账户是什么时候被锁定的呢？",
                "您最近有没有更换过手机或者SIM卡？",
            ),
            "action": (
                "我这边帮您解除账户锁定，您稍后重新登录试一下。",
                "重置密码的链接已经发到您的手机上了。",
                "系统显示您的账户在{date}因为连续输错五次被锁定。",
                "为了安全起见，重置密码需要先核实您的身份。",
            ),
            "resolution": (
                "已经为您重置了，新的临时密码会通过短信发送。",
                "账户已经解锁了，建议您登录以后马上修改密码。",
                "二十四小时后账户会自动解锁，届时再登录就可以了。",
            ),
            "mention": ("还有我的app密码也忘了", "我的账户之前还被锁过一次"),
        },
        "en": {
            "opening": (
                "I forgot my password and I can't get into my account.",
                "My account got locked after I typed the wrong password a few times.",
                "I need to reset my password for {app}.",
                "I'm not getting the verification code, so I can't reset my password.",
                "It keeps saying my login is invalid, and now I'm locked out.",
                "I want to change my account PIN.",
            ),
            "detail": (
                "I tried a few times and it says the code has expired.",
                "I think it's a six digit PIN but I don't remember which one.",
                "How long until the lock clears by itself?",
                "I got a new phone and now {app} won't let me log in.",
                "I'm worried somebody else got into my account.",
            ),
            "probe": (
                "Is this the password for {app} or your account PIN?",
                "Are you able to receive text messages on the number on file?",
                "When did the account get locked?",
                "Have you changed your phone or SIM card recently?",
            ),
            "action": (
                "I've unlocked the account on my end, go ahead and try logging in again.",
                "I just sent a password reset link to your phone.",
                "The system shows the account was locked {date} after five failed attempts.",
                "For security, I need to verify your identity before I reset it.",
            ),
            "resolution": (
                "You're all set, a temporary password is on its way by text.",
                "The account is unlocked, and I'd recommend changing the password as soon as you log in.",
                "The lock will clear automatically in twenty four hours.",
            ),
            "mention": ("I also can't remember my password for the app", "my account got locked last week as well"),
        },
    },
    "device_setup": {
        "zh": {
            "opening": (
                "我刚买了个{device}，不知道怎么设置。",
                "新装的宽带，路由器要怎么连？",
                "我想问一下WiFi密码怎么改。",
                "我家里的{device}要怎么跟光猫连在一起？",
                "师傅装完机顶盒就走了，电视现在没信号。",
                "我想把WiFi名字改一下，在哪里设置？",
            ),
            "detail": (
                "说明书上写的192.168.1.1我打不开。",
                "网线是插在哪个口上？LAN口还是WAN口？",
                "手机能搜到WiFi，但是连上以后提示无法上网。",
                "我用的是{device}，是不是不兼容？",
                "我想在{app}上管理路由器，但是绑定不了。",
            ),
            "probe": (
                "请问您用的是什么型号的路由器？",
                "您现在网线是从光猫的哪个口接出来的？",
                "您是用电脑设置还是用手机设置呢？",
                "路由器背面的指示灯现在是亮的吗？",
            ),
            "action": (
                "您先把网线一头插在光猫的LAN口，另一头插路由器的WAN口。",
                "然后在浏览器里输入路由器背面的管理地址，用默认密码登录。",
                "上网方式选择自动获取IP就可以了。",
                "我这边远程给您的光猫下发了配置，您重启一下{device}。",
            ),
            "resolution": (
                "设置好以后，WiFi名称和密码就可以自己改了。",
                "如果还是不行，我们可以安排装维师傅上门调试。",
                "我把设置步骤发到您手机上了，您照着操作就可以。",
            ),
            "mention": ("我新买的路由器也不太会设置", "顺便问一下WiFi密码在哪里改"),
        },
        "en": {
            "opening": (
                "I just got {device} and I don't know how to set it up.",
                "I need help connecting my new router to the modem.",
                "How do I change the WiFi password?",
                "The technician installed the set-top box but the TV says no signal.",
                "I want to rename my WiFi network, where do I do that?",
                "Can you walk me through setting up {device}?",
            ),
            "detail": (
                "The manual says to go to 192.168.1.1 but the page won't load.",
                "Which port does the cable go into, LAN or WAN?",
                "My phone sees the WiFi but says connected, no internet.",
                "I'm using {device}, is that compatible?",
                "I tried to pair it in {app} but it can't find the device.",
            ),
            "probe": (
                "What model is the router?",
                "Which port on the modem is the cable plugged into?",
                "Are you setting it up from a computer or your phone?",
                "Are the lights on the back of the router on?",
            ),
            "action": (
                "Plug one end of the cable into a LAN port on the modem and the other into the WAN port on the router.",
                "Then open a browser and type the address printed on the back of the router.",
                "Set the connection type to automatic IP and save.",
                "I've pushed a new configuration to your modem, please restart {device}.",
            ),
            "resolution": (
                "Once that's done you can change the network name and password yourself.",
                "If it still doesn't work, we can send a technician to set it up.",
                "I've texted you the setup steps so you can follow along.",
            ),
            "mention": ("I also need help setting up the new router", "how do I change the WiFi password by the way"),
        },
    },
    "service_complaint": {
        "zh": {
            "opening": (
                "我要投诉你们营业厅的工作人员，态度太差了。",
                "我对你们的服务非常不满意，上次打电话问题一直没解决。",
                "你们装维师傅约好{date}上门，结果根本没来。",
                "我打了好几次客服电话，每次都让我等，到现在也没人管。",
                "你们的客服把我电话挂了，这是什么服务？",
                "我要投诉，你们的工作人员给我乱办业务。",
            ),
            "detail": (
                "我在{store}等了一个多小时，都没人理我。",
                "已经是第三次打电话了，每次都说会有人回电。",
                "那个工作人员还跟我吵起来了。",
                "我要求你们给我一个说法。",
                "我是你们十几年的老用户了，这样对待客户吗？",
            ),
            "probe": (
                "请问是哪个营业厅、大概什么时间发生的呢？",
                "您还记得当时工作人员的工号吗？",
                "您之前的投诉有工单号吗？",
                "非常抱歉给您带来不好的体验，您具体说一下经过好吗？",
            ),
            "action": (
                "我已经把您的情况详细记录下来，升级给投诉处理部门。",
                "我查到您{date}确实有一个工单，到现在还没有处理完。",
                "这个情况我们会核实，对相关人员进行处理。",
                "我先代表公司向您道歉。",
            ),
            "resolution": (
                "投诉处理专员会在四十八小时内给您回电。",
                "为了表示歉意，我们给您的账户赠送了{gift}。",
                "处理结果会以短信的形式通知您。",
            ),
            "mention": ("还有你们营业厅的服务态度也很差", "上次师傅上门也没解决问题，我很不满意"),
        },
        "en": {
            "opening": (
                "I want to make a complaint about one of your store employees, they were incredibly rude.",
                "I'm really unhappy with the service, this is the third time I've called about the same thing.",
                "Your technician was supposed to come {date} and nobody showed up.",
                "I've been on hold for ages every time I call, and nobody ever fixes anything.",
                "The last agent I spoke to hung up on me.",
                "I want to file a formal complaint, someone added services to my account without asking.",
            ),
            "detail": (
                "I waited over an hour at {store} and nobody helped me.",
                "Every time I call they say someone will call me back, and nobody does.",
                "The guy at the counter actually argued with me.",
                "I want someone to take responsibility for this.",
                "I've been a customer for over ten years and this is how you treat me?",
            ),
            "probe": (
                "Which store was it and roughly when did it happen?",
                "Do you remember the name of the employee?",
                "Do you have the reference number from your earlier complaint?",
                "I'm really sorry about that experience, can you tell me what happened?",
            ),
            "action": (
                "I've documented everything and escalated it to our complaints team.",
                "I can see an open ticket from {date} that was never resolved.",
                "We'll look into this and follow up with the staff involved.",
                "On behalf of the company, I apologize.",
            ),
            "resolution": (
                "A complaints specialist will call you back within forty eight hours.",
                "As an apology, I've added {gift} to your account.",
                "You'll get the outcome of the complaint by text.",
            ),
            "mention": (
                "and honestly the service at the store was terrible too",
                "the technician last time didn't fix anything either, which I'm not happy about",
            ),
        },
    },
    "cancel_service": {
        "zh": {
            "opening": (
                "我想把这个号码销户。",
                "我要取消宽带，下个月搬家了。",
                "我想注销这张卡，不用了。",
                "我要退掉{plan}，太贵了。",
                "帮我取消一下那个合约，我不想续了。",
                "我要办理拆机，宽带不用了。",
            ),
            "detail": (
                "我已经在别的运营商办了新号码了。",
                "合约期还剩{months}个月，提前解约要交违约金吗？",
                "我人在外地，能不能不去营业厅办？",
                "光猫需要还回去吗？",
                "你们的网太差了，我不想用了。",
            ),
            "probe": (
                "请问您是要注销号码还是只取消宽带？",
                "能问一下您取消的原因吗？",
                "您的合约到期时间是{date}，现在解约可能有违约金。",
                "您名下的这个号码还有别的业务绑定吗？",
            ),
            "action": (
                "我这边帮您看了一下，您的账户还有{amount}余额。",
                "销户需要机主带身份证到营业厅办理。",
                "我可以给您申请一个挽留优惠，每个月减{amount2}，您考虑一下吗？",
                "提前解约的违约金是{amount}。",
            ),
            "resolution": (
                "我已经帮您预约了拆机，师傅会上门取回光猫。",
                "取消申请已提交，本月底生效。",
                "余额会在销户之后退回到您的银行卡。",
            ),
            "mention": ("我其实也在考虑把宽带取消掉", "如果还是这样我就销户了"),
        },
        "en": {
            "opening": (
                "I'd like to cancel my service.",
                "I'm moving next month so I need to cancel the internet.",
                "I want to close this line, I don't use it anymore.",
                "I want to get out of {plan}, it's too expensive.",
                "Please cancel my contract, I'm not renewing.",
                "I'm switching providers and want to disconnect my account.",
            ),
            "detail": (
                "I've already signed up with another provider and got a new number.",
                "There are {months} months left on the contract, is there an early termination fee?",
                "I'm out of town, can I do this without going to a store?",
                "Do I need to return the modem?",
                "The service has been so unreliable that it's not worth it.",
            ),
            "probe": (
                "Are you looking to close the whole account or just the internet?",
                "May I ask why you're thinking of canceling?",
                "Your contract runs until {date}, so there may be an early termination fee.",
                "Are there any other lines on this account?",
            ),
            "action": (
                "I can see there's still {amount} of credit on your account.",
                "Closing the account needs the account holder's ID.",
                "Before you go, I can offer you {amount2} off per month, would that change your mind?",
                "The early termination fee would be {amount}.",
            ),
            "resolution": (
                "I've scheduled the disconnection and a technician will pick up the modem.",
                "The cancellation is submitted and takes effect at the end of this month.",
                "Any remaining credit will be refunded after the account closes.",
            ),
            "mention": (
                "I'm also thinking about canceling the internet",
                "if this keeps happening I'm going to cancel",
            ),
        },
    },
    "plan_upgrade": {
        "zh": {
            "opening": (
                "我想换个套餐，现在的流量不够用。",
                "我想把{plan}升级一下。",
                "有没有更划算的套餐？我每个月流量都超。",
                "我想改成{plan2}，怎么办理？",
                "我想问一下5G套餐有什么优惠。",
                "现在这个套餐太贵了，能不能换个便宜点的？",
            ),
            "detail": (
                "我每个月大概用{gb}的流量。",
                "家里两个人用，想要能共享流量的。",
                "换套餐的话下个月生效还是马上生效？",
                "我看{app}上有个{plan2}，那个怎么样？",
                "宽带能不能也一起提速到{speed}？",
            ),
            "probe": (
                "请问您现在每个月的流量和通话大概用多少？",
                "您是想要流量多一些还是通话多一些？",
                "您家里有宽带吗？融合套餐会更划算。",
                "您对月费的预算大概是多少呢？",
            ),
            "action": (
                "根据您的使用情况，我推荐您办{plan2}，每月{amount}。",
                "您现在的{plan}每月是{amount2}，升级以后多了不少流量。",
                "套餐变更下个月一号生效。",
                "现在办理还可以赠送{gift}。",
            ),
            "resolution": (
                "已经帮您办好了，变更成功会收到短信通知。",
                "新套餐下个月开始生效，本月还按原套餐计费。",
                "我把套餐资费说明发到您手机上，您确认一下。",
            ),
            "mention": ("顺便问一下有没有流量多一点的套餐", "我也想换个便宜点的套餐"),
        },
        "en": {
            "opening": (
                "I'd like to change my plan, I keep running out of data.",
                "I want to upgrade {plan}.",
                "Is there a better deal? I go over my data every month.",
                "How do I switch to {plan2}?",
                "What kind of 5G plans do you have right now?",
                "My plan is too expensive, can I downgrade to something cheaper?",
            ),
            "detail": (
                "I use about {gb} of data a month.",
                "There are two of us, so something we can share would be good.",
                "Does the change take effect now or next month?",
                "I saw {plan2} in {app}, what's included in that?",
                "Can I also bump the internet up to {speed}?",
            ),
            "probe": (
                "How much data and talk time do you use in a typical month?",
                "Do you need more data or more minutes?",
                "Do you have home internet with us? A bundle might save you money.",
                "What's your budget per month?",
            ),
            "action": (
                "Based on your usage, I'd recommend {plan2} at {amount} a month.",
                "You're on {plan} at {amount2} a month right now, the upgrade gives you a lot more data.",
                "The plan change takes effect on the first of next month.",
                "If you switch today you also get {gift}.",
            ),
            "resolution": (
                "You're all set, you'll get a text confirming the new plan.",
                "The new plan starts next month, and this month stays on the old rate.",
                "I've sent the plan details to your phone for you to review.",
            ),
            "mention": ("do you have a plan with more data", "I might want a cheaper plan too"),
        },
    },
    "new_line": {
        "zh": {
            "opening": (
                "我想再办一张卡，给我家孩子用。",
                "我想开一个新号码。",
                "请问可以在网上办新卡吗？",
                "我想办个副卡，跟我的主卡共享套餐。",
                "我想选个好一点的号码，有没有尾号是8的？",
                "公司要给员工办几张卡，怎么办理？",
            ),
            "detail": (
                "新卡能快递到家吗？",
                "办新号需要带什么证件？",
                "副卡每个月要多少钱？",
                "我想要{plan}，新号码能办吗？",
                "能不能用{app}自己激活？",
            ),
            "probe": (
                "请问是给您本人办理还是给家人办理？",
                "您是想要实体卡还是eSIM？",
                "新号码您希望选什么样的号段？",
                "一个身份证名下最多可以办五张卡，您现在名下有几张？",
            ),
            "action": (
                "我这边帮您查到几个可选号码，尾号是{tail}。",
                "新卡可以在线办理，激活的时候需要人脸识别。",
                "副卡每个月{amount}，可以共享主卡的流量和通话。",
                "办理新号码需要预存{amount2}话费。",
            ),
            "resolution": (
                "订单已经提交了，新卡预计{days}内送到。",
                "收到卡以后在{app}上实名激活就可以用了。",
                "新号码已经开通，今天就可以使用。",
            ),
            "mention": ("我还想给家里老人再办一张卡", "副卡怎么办理"),
        },
        "en": {
            "opening": (
                "I'd like to add a new line for my daughter.",
                "I want to open a new number.",
                "Can I sign up for a new SIM online?",
                "I want to add a second line that shares data with mine.",
                "Do you have any nice numbers available? Something easy to remember.",
                "My company needs a few lines for new employees, how does that work?",
            ),
            "detail": (
                "Can you ship the SIM card to my house?",
                "What ID do I need to open a new line?",
                "How much is an extra line per month?",
                "Can the new line be on {plan}?",
                "Can I activate it myself in {app}?",
            ),
            "probe": (
                "Is the new line for you or for a family member?",
                "Would you like a physical SIM or an eSIM?",
                "Do you have a preference for the area code?",
                "How many lines do you currently have on the account?",
            ),
            "action": (
                "I have a few numbers available ending in {tail}.",
                "You can order it online, and activation needs a quick ID check.",
                "An additional line is {amount} a month and shares your data.",
                "There's a one-time activation fee of {amount2}.",
            ),
            "resolution": (
                "Your order is placed and the SIM should arrive within {days}.",
                "Once the SIM arrives, just activate it in {app}.",
                "The new line is active and ready to use today.",
            ),
            "mention": ("I'm also thinking about adding a line for my mom", "how do I add a second line"),
        },
    },
}

# ---------------------------------------------------------------------------
# Slot fillers.
# ---------------------------------------------------------------------------

_AGENT_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "林", "何")
_AGENT_NAMES_EN = (
    "Sarah", "Michael", "Jessica", "David", "Emily", "James", "Ashley", "Kevin",
    "Rachel", "Brian", "Megan", "Jason", "Laura", "Daniel", "Nicole", "Ryan",
)  # fmt: skip

_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "fee": ("增值业务费", "国际漫游费", "流量超出费", "视频会员包月费", "彩铃功能费", "短信包月费"),
        "device": (
            "华为AX3路由器",
            "TP-Link路由器",
            "小米路由器",
            "中兴光猫",
            "机顶盒",
            "iPhone 15",
            "华为Mate 60",
            "小米14",
        ),
        "plan": ("59元套餐", "99元5G畅享套餐", "129元融合套餐", "199元全家享套餐", "流量王卡", "39元基础套餐"),
        "app": ("app", "APP", "网上营业厅", "微信小程序", "支付宝", "手机营业厅"),
        "payment": ("微信", "支付宝", "银行卡", "信用卡", "云闪付"),
        "speed": ("100兆", "300兆", "500兆", "千兆"),
        "days": ("两天", "三天", "一个星期", "好几天", "半个月"),
        "eta": ("今天晚上八点前", "明天中午前", "两个小时内", "今天下午"),
        "store": ("营业厅", "人民路营业厅", "万达那边的营业厅", "你们的自营厅"),
        "gift": ("10GB流量", "50元话费", "一个月视频会员", "20元话费券"),
        "gb": ("20G", "30个G", "50G", "80G", "100G"),
        "bank": ("工商银行", "建设银行", "农业银行", "招商银行", "中国银行"),
        "month": ("上个月", "这个月", "三月份", "五月份", "上上个月"),
    },
    "en": {
        "fee": (
            "a roaming charge",
            "a late fee",
            "a premium SMS charge",
            "an equipment fee",
            "an activation fee",
            "a streaming add-on",
        ),
        "device": (
            "the Netgear router",
            "a TP-Link Archer",
            "the new modem",
            "an iPhone 15",
            "a Samsung Galaxy S23",
            "the set-top box",
            "a Pixel 8",
        ),
        "plan": (
            "the Basic 10 gig plan",
            "the Unlimited Plus plan",
            "the Family Share plan",
            "the 500 meg fiber plan",
            "the Premium 5G plan",
        ),
        "app": ("the app", "the web portal", "my online account", "the self-service portal"),
        "payment": ("my Visa", "my debit card", "PayPal", "autopay", "a bank transfer"),
        "speed": ("100 megabit", "300 meg", "gigabit", "500 megabit"),
        "days": ("two days", "three days", "a week", "ten days", "two weeks"),
        "eta": ("by tonight", "by noon tomorrow", "within two hours", "later this afternoon"),
        "store": ("the Main Street store", "the mall store", "your downtown store", "the store near me"),
        "gift": (
            "ten gigs of extra data",
            "a twenty dollar credit",
            "a free month of streaming",
            "a fifteen dollar credit",
        ),
        "gb": ("20 gigs", "30 gigs", "50 gigabytes", "80 gigs", "100 gigs"),
        "bank": ("Chase", "Wells Fargo", "Bank of America", "Citi", "Capital One"),
        "month": ("last month", "this month", "in March", "in May", "two months ago"),
    },
}

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _amount(rng: np.random.Generator, language: str) -> str:
    if language == "zh":
        value = int(rng.choice([19, 28, 30, 39, 45, 58, 68, 88, 99, 120, 128, 150, 199, 230, 300]))
        if rng.random() < 0.25:
            return f"{value}.{int(rng.integers(1, 10))}元"
        return f"{value}{('元', '块', '块钱')[int(rng.integers(3))]}"
    value = float(rng.choice([9.99, 12.5, 15, 19.99, 25, 29.99, 35, 40, 49.99, 60, 75, 89, 120, 149.99]))
    if rng.random() < 0.2 and value == int(value):
        words = {
            15: "fifteen",
            25: "twenty five",
            35: "thirty five",
            40: "forty",
            60: "sixty",
            75: "seventy five",
            89: "eighty nine",
            120: "a hundred and twenty",
        }
        return f"{words[int(value)]} dollars"
    return f"${value:.2f}" if value != int(value) else f"${int(value)}"


def _date(rng: np.random.Generator, language: str) -> str:
    style = int(rng.integers(4))
    if language == "zh":
        if style == 0:
            return f"{int(rng.integers(1, 13))}月{int(rng.integers(1, 29))}号"
        if style == 1:
            return ("上周三", "上周五", "上个礼拜", "周末")[int(rng.integers(4))]
        if style == 2:
            return ("昨天", "昨天晚上", "前天", "今天早上")[int(rng.integers(4))]
        return f"这个月{int(rng.integers(1, 29))}号"
    if style == 0:
        return f"on {_MONTHS_EN[int(rng.integers(12))]} {_ordinal(int(rng.integers(1, 29)))}"
    if style == 1:
        return ("last Tuesday", "last Friday", "over the weekend", "last week")[int(rng.integers(4))]
    if style == 2:
        return ("yesterday", "last night", "two days ago", "this morning")[int(rng.integers(4))]
    return f"on the {_ordinal(int(rng.integers(1, 29)))}"


def fill_slot(name: str, rng: np.random.Generator, language: str) -> str:
    """A value for the template slot ``name`` (a trailing digit marks a second, independent value).

    Raises:
        KeyError: for a slot no template filler knows.
    """
    base = name.rstrip("0123456789")
    if base == "amount":
        return _amount(rng, language)
    if base == "date":
        return _date(rng, language)
    if base == "months":
        return str(int(rng.integers(2, 13)))
    if base == "tail":
        return f"{int(rng.integers(0, 10_000)):04d}"
    options = _CHOICES[language].get(base)
    if options is None:
        raise KeyError(name)
    return options[int(rng.integers(len(options)))]


def agent_identity(agent_number: int) -> dict[str, str]:
    """Stable name, surname and work number of an agent, derived from a number."""
    return {
        "agent_no": f"{agent_number % 9000 + 1000}",
        "agent_surname": _AGENT_SURNAMES[agent_number % len(_AGENT_SURNAMES)],
        "agent_name": _AGENT_NAMES_EN[agent_number % len(_AGENT_NAMES_EN)],
    }
