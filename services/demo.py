"""The demo office (示范县信访局): departments, users, ~300 cases with a realistic history,
reception days, packages and archive records. Deterministic: random.Random(2026).

All demo users share the password `demo1234`. Every case goes through
services.registration.register_case, so numbering, parties and repeat detection are exercised.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

import models.org as org_models

from models import (ArchiveRecord, CaseAssist, CaseEvent, Department, Holiday, PackageAssignment,
                    PackageProgress, Party, ReceptionEvent, ReceptionSchedule, Setting, User)
from services import clock, deadlines, settings
from services.registration import PartyInput, RegistrationInput, register_case

TOWNS = {
    "城关镇": ["东关社区", "西街社区", "南湖社区", "新华村", "北门村"],
    "河口镇": ["河口村", "沙湾村", "渡口村", "柳树湾村"],
    "青山乡": ["青山村", "杨家坪村", "竹林村", "石门村"],
    "白沙镇": ["白沙村", "马头村", "桃园村", "新庄村"],
    "石桥镇": ["石桥村", "李家庄村", "高楼村"],
    "柳林乡": ["柳林村", "王庄村", "前进村"],
}
# County-level ID number area codes (fictional county and its neighbours).
AREA_CODES = ["411421", "411421", "411421", "411422", "411423", "411402", "411481"]

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
GIVEN_M = ["建国", "国强", "志刚", "卫东", "海涛", "文斌", "振华", "德明", "永强", "俊杰", "春生", "宏伟",
           "立新", "学军", "长林", "金山", "保国", "明亮", "子豪", "浩然", "家乐", "红兵", "庆丰", "满仓",
           "大勇", "铁柱", "新民", "广才", "树林", "天佑"]
GIVEN_F = ["秀英", "桂兰", "玉梅", "淑珍", "丽娟", "海燕", "春梅", "晓红", "雪梅", "美玲", "凤英", "翠花",
           "丽华", "静", "婷婷", "欣怡", "慧敏", "文静", "兰芳", "小燕", "金凤", "爱华", "月娥", "素芬"]
ETHNICITIES = ["汉族"] * 18 + ["回族", "满族"]
OCCUPATIONS = ["农民", "农民", "农民", "个体经营", "退休职工", "务工人员", "务工人员", "教师", "无业",
               "企业职工", "出租车司机", "外卖骑手"]

COMPANIES = ["示范县宏达建筑工程有限公司", "示范县鑫源房地产开发有限公司", "示范县顺发劳务有限公司",
             "示范县金穗农业科技有限公司", "示范县康源食品有限公司", "示范县恒通物流有限公司",
             "示范县华盛纺织有限公司", "示范县绿野养殖专业合作社", "示范县新城物业服务有限公司",
             "示范县广厦建设集团有限公司"]
ESTATES = ["阳光花园", "锦绣华庭", "滨河名苑", "翰林府", "幸福里", "书香门第", "御景湾", "金色家园"]
SCHOOLS = ["县实验小学", "县第二小学", "城关镇中心小学", "县第一初级中学", "县第三初级中学"]
HOSPITALS = ["县人民医院", "县中医院", "城关镇卫生院", "河口镇卫生院"]
ROADS = ["人民路", "建设路", "滨河大道", "解放路", "工业园区二号路"]
PROJECTS = ["县城北环路", "工业园区扩区", "高铁站前广场", "滨河公园", "县第二水厂", "物流园"]

# (summary, demands, reply). Placeholders: place town village company estate school hospital road
# project year months amount n mu diff years accused.
STORIES = {
    "土地征收": [
        ("{place}村民反映，{year}年县里实施{project}项目征收其承包地{mu}亩，至今仍有部分青苗补偿款和地上附着物补偿款未发放到位，村民小组对补偿款分配方案意见不一。",
         "要求公开征地补偿标准和分配明细，尽快足额发放剩余补偿款。",
         "经县自然资源局会同{town}人民政府调查，该项目征地补偿款已由县财政拨付到镇，因村民小组分配方案未经村民会议表决而滞留。现已督促村组召开村民代表会议重新表决，分配明细张榜公示七日，剩余补偿款于本月底前发放到户。"),
        ("信访人反映其宅基地旁的自留地被{village}村委会以修建村道为由占用，既未签订协议，也未给予任何补偿。",
         "要求恢复原状，或者按标准给予补偿。",
         "经实地核查，村道建设属村内公益项目，占用信访人自留地约0.3亩属实。经{town}人民政府协调，村委会已与信访人签订土地调整协议，从村集体机动地中调剂同等面积土地交其耕种。"),
        ("信访人称其承包的{mu}亩林地在{project}建设中被划入征收范围，但测绘面积比实际少了约{diff}亩，多次向镇里反映没有结果。",
         "要求重新丈量，按实际面积给予补偿。",
         "县自然资源局委托第三方测绘机构会同信访人现场复测，复测面积比原测绘结果多出{diff}亩，差额部分已补录入补偿清册，补偿款随下一批次一并发放。"),
    ],
    "城乡建设": [
        ("{estate}小区业主反映，小区东侧{company}承建的工地夜间施工噪声扰民，常常持续到凌晨一两点，老人孩子无法休息。",
         "要求依法查处夜间违规施工，限定作业时间。",
         "县住房和城乡建设局会同县城市管理综合执法大队夜间突击检查，确认该工地存在未经许可夜间施工的行为，已责令停止夜间作业并依法立案处罚。施工单位书面承诺晚十时至次日六时不再进行产生噪声的作业，执法大队将持续跟踪检查。"),
        ("信访人反映其{year}年购买的{estate}商品房已交房三年多，开发商{company}至今未办理不动产权证，影响孩子入学和户口迁移。",
         "要求督促开发商尽快为业主办理不动产权证书。",
         "经查，{estate}项目因开发商欠缴部分土地出让金及配套费，无法办理首次登记。县住建局、县自然资源局已约谈开发商，开发商已制定补缴计划，预计两个月内完成首次登记，届时业主可分批办理转移登记。"),
        ("{estate}小区居民反映，小区电梯频繁故障，今年以来已发生三次困人事件，物业公司推诿维修，专项维修资金迟迟申请不下来。",
         "要求尽快修好电梯，规范物业服务。",
         "县住建局督促物业公司对电梯全面检修，并指导业主委员会依程序申请使用专项维修资金，资金已审批到位，更换曳引主机的工作已进场施工。对物业公司服务不到位的问题已约谈并记入信用档案。"),
        ("信访人反映{road}改造施工后，其门前的排水沟被建筑垃圾堵塞，下雨时积水倒灌进屋，家具电器被泡坏。",
         "要求疏通排水沟，赔偿财产损失。",
         "县住建局已责令施工单位清理排水沟内的建筑垃圾并恢复排水功能。关于财产损失，经施工单位与信访人协商，双方达成赔偿协议，施工单位已支付赔偿款。"),
    ],
    "拆迁安置": [
        ("信访人反映其房屋位于{town}旧城改造片区，{year}年已签订拆迁安置协议并腾空交房，但安置房至今未交付，过渡安置费也已停发{months}个月。",
         "要求按协议交付安置房，补发过渡安置费。",
         "经县住建局调查，该安置房项目因施工单位资金问题延误工期，主体已完工，正在进行配套设施施工，预计年底前交付。过渡安置费停发系经办人员工作失误，已补发全部拖欠的过渡费，今后按月发放至交房为止。"),
        ("信访人对其房屋征收评估结果不满，认为评估价格明显低于周边同类房屋的市场价，评估时也没有通知其到场。",
         "要求重新评估。",
         "经查，评估机构由被征收人投票选定，评估报告已依法送达。信访人对评估结果有异议，可自收到评估报告之日起十日内申请复核评估，对复核结果仍有异议的，可向评估专家委员会申请鉴定。已当面告知申请途径并协助其提交复核申请。"),
        ("信访人反映在{project}项目征收中，其父母名下房屋的安置面积已经确定，但兄弟姐妹之间对安置房份额有争议，村里调解没有结果。",
         "要求政府明确安置房归属。",
         "该事项属于家庭成员之间的财产继承纠纷，征收部门已按协议将安置面积登记在被征收人名下。已引导信访人通过人民调解或向人民法院起诉解决，{town}人民调解委员会已受理调解申请。"),
    ],
    "劳动社保": [
        ("{n}名农民工反映，其在{company}承建的{project}项目工地务工，被拖欠{months}个月工资共计约{amount}万元，包工头已经联系不上。",
         "要求尽快结清拖欠的工资。",
         "县人力资源和社会保障局劳动保障监察大队立案调查，核实欠薪事实后责令总承包单位履行清偿责任，并动用工资保证金先行垫付。拖欠工资已全部发放到农民工本人账户。该企业已被依法作出行政处理，并列入拖欠农民工工资失信联合惩戒对象名单。"),
        ("信访人反映其在{company}工作{years}年，公司一直未为其缴纳养老保险，现已到退休年龄，无法办理退休手续。",
         "要求公司补缴社会保险费。",
         "经县人社局核查，信访人与{company}存在劳动关系属实。已责令企业为其补缴{year}年以来的养老保险费；超过追缴时效的部分，已告知信访人可通过劳动争议仲裁途径主张权利。"),
        ("信访人反映其在{company}上班时被机器轧伤右手，公司不认可是工伤，拒绝申报工伤认定。",
         "要求认定工伤，落实工伤保险待遇。",
         "已告知信访人可在事故发生之日起一年内自行向县人社局申请工伤认定，并当场指导其准备材料。县人社局已受理其工伤认定申请，经调查认定为工伤，后续劳动能力鉴定已安排。"),
        ("信访人反映{company}以经营困难为由单方面解除劳动合同，未支付经济补偿金，还扣押了最后两个月的工资。",
         "要求支付拖欠工资和经济补偿金。",
         "县劳动保障监察大队约谈企业负责人，企业已支付拖欠的两个月工资。关于经济补偿金争议，已告知信访人向县劳动人事争议仲裁委员会申请仲裁，仲裁委已立案受理。"),
    ],
    "企业改制": [
        ("原县{company}改制分流职工反映，{year}年企业改制时承诺的经济补偿金至今未足额发放，部分职工医疗保险中断。",
         "要求落实改制时的安置政策，补发经济补偿金，接续医疗保险。",
         "经县人社局会同县国资部门调阅改制档案，改制方案中经济补偿金已按当时政策核发，个别职工因档案缺失未领取的，已逐一核实并补发。中断的医疗保险已指导职工以灵活就业人员身份接续缴费。"),
        ("信访人系原县{company}职工，反映企业改制时其工龄被少算了{years}年，影响退休待遇。",
         "要求重新核定工龄。",
         "县人社局调阅信访人人事档案，档案中招工审批表等材料证实其参加工作时间早于原认定时间，已按规定重新核定连续工龄，并重新核算基本养老金，差额部分已补发。"),
    ],
    "涉法涉诉": [
        ("信访人对县人民法院就其与{company}买卖合同纠纷作出的判决不服，认为判决认定事实错误。",
         "要求政府出面撤销判决，重新审理。",
         "该事项属于涉法涉诉信访，已告知信访人依法向上级人民法院申请再审，并将材料转送县人民法院依法处理。"),
        ("信访人反映其与邻居的民间借贷纠纷判决生效已两年，对方有房有车却拒不履行，法院执行不力。",
         "要求法院加大执行力度。",
         "该事项属于执行类涉诉信访，已转送县人民法院执行局依法办理，并告知信访人可向法院申请对被执行人采取限制高消费等措施。"),
    ],
    "教育": [
        ("家长反映，其家住{estate}，按学区子女应就读{school}，但今年秋季招生时被调剂到离家较远的学校。",
         "要求按学区就近入学。",
         "经县教育局核查，{school}今年一年级学位紧张，教育局按房产登记时间、实际居住时间等规则统筹调剂。信访人的房产登记时间晚于招生简章规定的截止时间，调剂结果符合政策。已向家长解释政策，并协调为其子女安排校车接送。"),
        ("{school}部分学生家长反映，学校食堂饭菜质量差、价格偏高，学校还以资料费名义向学生收费。",
         "要求规范收费，改善食堂管理。",
         "县教育局会同县市场监督管理局对该校食堂进行检查，责令整改食材采购和留样制度；学校收取的资料费属违规收费，已责令全额清退，并对分管副校长进行诫勉谈话。"),
        ("信访人系{town}原代课教师，反映其{year}年以前的代课经历未计入工龄，退休后待遇偏低。",
         "要求认定代课教龄，落实相应待遇。",
         "县教育局查阅了当年的代课教师花名册和工资发放记录，信访人代课经历部分有据可查，已按照省里关于原代课人员的政策给予一次性补助；无法查证的部分已向信访人说明。"),
    ],
    "卫生": [
        ("信访人反映其父亲在{hospital}住院期间因护理不当摔倒骨折，认为医院存在过错，双方协商赔偿没有结果。",
         "要求医院承担责任并给予赔偿。",
         "县卫生健康委员会已组织双方调解，并告知信访人可申请医疗损害鉴定，或通过县医疗纠纷人民调解委员会、人民法院解决。双方已同意由医调委调解，目前已达成赔偿协议。"),
        ("信访人反映{hospital}门诊收费不透明，看一次感冒被收取了多项不必要的检查费。",
         "要求退还不合理收费，查处过度检查。",
         "县卫健委调取了信访人的就诊记录和收费清单，发现一项检查费用重复收取，已责令医院退还；对医院开展了规范诊疗专项检查，并在全县医疗机构通报。"),
        ("{place}村民反映，村卫生室长期无人值守，老人看病拿药要跑十几里路到镇上。",
         "要求恢复村卫生室正常开诊。",
         "县卫健委协调{town}卫生院派驻一名医生每周三天到该村卫生室坐诊，同时为村医办理了乡村医生执业注册，卫生室已恢复正常开诊。"),
    ],
    "农村农业": [
        ("{place}村民反映，村里去年修建的高标准农田灌溉渠道渗漏严重，下游一百多亩地浇不上水。",
         "要求对渠道进行维修，保证灌溉用水。",
         "{town}人民政府会同施工单位实地查看，渠道部分衬砌存在质量问题，已责令施工单位在质保期内返修，返修工程已于春灌前完工并经村民代表验收。"),
        ("信访人反映其家庭承包地{mu}亩，连续两年没有领到耕地地力保护补贴。",
         "要求补发补贴。",
         "经{town}人民政府核查，信访人的承包地在确权登记时被错误登记在其兄长名下，导致补贴发放到他人账户。现已更正登记信息，两年的补贴已补发到信访人账户。"),
        ("{place}村民反映，村里把{mu}亩集体土地流转给{company}种植苗木，流转费已经拖欠一年没有付。",
         "要求企业支付土地流转费。",
         "{town}人民政府约谈企业负责人，企业承认拖欠并提出分期支付方案，经村民代表会议同意，首期流转费已发放到户，余款于年底前付清。"),
    ],
    "生态环境": [
        ("{place}村民反映，村旁{company}的养殖场粪污直排河沟，气味刺鼻，河水发黑发臭。",
         "要求关停污染源，治理河沟。",
         "经{town}人民政府会同环保执法人员现场检查，该养殖场粪污处理设施损坏未及时修复，已责令停产整改并依法处罚；河沟已完成清淤，整改完成前不得恢复生产。"),
        ("{estate}小区居民反映，楼下餐饮店油烟直排，没有安装油烟净化设施，夏天家里都不敢开窗。",
         "要求餐饮店安装油烟净化设施。",
         "县城市管理综合执法大队现场检查后责令该餐饮店限期安装油烟净化设备，商户已安装完毕并通过检测，执法大队将定期回访。"),
    ],
    "交通运输": [
        ("{place}村民反映，通村公路路面破损严重，多处坑洼，雨天电动车和三轮车根本无法通行，孩子上学不安全。",
         "要求尽快修复通村公路。",
         "县交通运输部门已将该路段列入今年农村公路养护计划，{town}人民政府先行组织对坑洼路段进行了应急修补，全面维修工程已完成招标，计划下月开工。"),
        ("信访人反映县城至{town}的公交班次由每半小时一班减少到每小时一班，村民进城十分不便。",
         "要求恢复原来的公交班次。",
         "经协调公交公司，已在早晚高峰时段恢复每半小时一班，平峰时段维持每小时一班，并在站点张贴了新的时刻表。"),
    ],
    "民政": [
        ("信访人反映其家庭因病致贫，申请最低生活保障被{town}人民政府以家庭收入超标为由拒绝，认为收入核算不公。",
         "要求重新核定家庭收入，纳入低保。",
         "{town}人民政府重新入户调查，原核算时将信访人已出嫁女儿的收入计入了家庭收入，核算有误。经重新评议和公示，信访人家庭已纳入最低生活保障范围。"),
        ("信访人反映其母亲八十六岁，长期卧床，申请高龄津贴和失能老人护理补贴一直没有批下来。",
         "要求尽快发放补贴。",
         "经查，申请材料在村里积压未报送，已责成{town}民政办当日补报，高龄津贴和护理补贴已审批，从申请当月起补发。"),
    ],
    "其他": [
        ("信访人反映{town}农贸市场摊位重新分配时，管理方优先照顾熟人，多年在此经营的商户没有分到摊位。",
         "要求公开、公平分配摊位。",
         "{town}人民政府责成市场管理方公开摊位分配规则，采取公开抽签方式重新分配剩余摊位，信访人已抽得摊位。"),
        ("信访人反映{road}一段路灯损坏已有两个多月，晚上漆黑一片，已经有行人摔倒。",
         "要求尽快修复路灯。",
         "县城市管理综合执法大队已安排维修人员更换损坏的灯具和线路，路灯已全部恢复照明。"),
    ],
}

ACCUSATIONS = [
    ("信访人实名反映{village}党支部书记{accused}在{year}年村道硬化工程中虚报工程量，套取项目资金，并将工程交由其亲属承包。",
     "要求调查处理，追回被套取的资金。",
     "县纪委监委对反映问题进行了初步核实。经查，该工程存在工程量计算不实问题，多计工程款约{amount}万元，已责令追回；对{accused}给予党内警告处分。核实结果已向信访人反馈。"),
    ("信访人反映{village}村委会主任{accused}在低保评定中优亲厚友，将不符合条件的亲属纳入低保。",
     "要求查处并取消不符合条件人员的低保。",
     "县纪委监委会同县民政部门逐户核查，发现两户不符合条件的低保户，已停发并追回违规领取的资金，对{accused}进行诫勉谈话，并责成村里重新民主评议。"),
    ("信访人反映{town}人民政府工作人员{accused}在办理宅基地审批时向村民索要好处费。",
     "要求严肃查处。",
     "县纪委监委已立案审查，经查{accused}收受村民财物属实，已给予其政务记过处分，违纪所得已收缴并退还当事人。"),
    ("信访人反映{village}村会计{accused}长期不公开村务财务，集体土地租金去向不明。",
     "要求公开村级财务，查清土地租金去向。",
     "经县纪委监委会同{town}农村经营管理站审计，该村土地租金均已入账，但存在财务公开不及时的问题。已责令村里按季度公开财务，对{accused}进行了批评教育。"),
    ("信访人反映{village}党支部书记{accused}利用职务便利，违规将集体鱼塘低价承包给其妻弟。",
     "要求收回鱼塘，重新公开发包。",
     "县纪委监委调查认定，该鱼塘发包未经村民代表会议讨论，承包价格明显偏低，已责令村委会依法解除合同并重新公开发包，对{accused}给予党内严重警告处分。"),
]

SUGGESTIONS = [
    ("信访人建议在{school}门口增设减速带和人行横道信号灯，保障学生上下学安全。", "希望有关部门尽快实施。",
     "县住建局会同交警部门现场勘察后认为建议可行，已在校门口增设减速带及人行横道信号灯，感谢信访人对学生安全的关心。", "交通运输"),
    ("信访人建议县城增加公共停车位，整治{road}两侧占道停车。", "希望统筹规划停车设施。",
     "县住建局已将{road}周边两处闲置地块规划为临时公共停车场，共新增车位一百二十个，占道停车整治同步开展。", "城乡建设"),
    ("信访人建议在{town}农贸市场增设公共厕所和垃圾分类投放点。", "希望改善市场环境卫生。",
     "{town}人民政府采纳了该建议，已在农贸市场东侧新建公共厕所一座，并设置了四组分类投放点。", "其他"),
]

DECLINE_REASONS = [
    "信访人反映的事项已由人民法院作出生效判决，属于应当通过诉讼途径解决的事项，依据《信访工作条例》第三十二条不予受理，已告知其依法申请再审。",
    "信访人反映的事项属于劳动争议，应当通过劳动人事争议仲裁途径解决，不予受理，已告知其向县劳动人事争议仲裁委员会申请仲裁。",
    "信访人反映的问题属于行政复议范围，已告知其在法定期限内向县人民政府申请行政复议，不予受理。",
    "信访人所反映事项不属于本机关职权范围，且未提供具体事实和线索，不予受理，已书面告知。",
]
FORWARD_TARGETS = ["县人民法院", "县人民检察院", "县公安局", "市住房公积金管理中心示范县管理部", "国网示范县供电公司"]

SUPERVISE_NOTES = ["电话催办，要求加快办理进度。", "已发督办函，要求五个工作日内报送办理情况。",
                   "约谈承办单位分管负责人，督促按期办结。"]
EXTENSION_REASONS = ["该事项涉及多个部门，需组织联合调查和现场测量，无法在规定期限内办结。",
                     "需等待第三方评估机构出具复核评估报告，申请延期30日。"]
FOLLOW_UP_NOTES = {"satisfied": "电话回访，信访人对办理结果表示满意。",
                   "basic": "电话回访，信访人表示基本满意，希望后续跟进落实。",
                   "unsatisfied": "上门回访，信访人对处理结果不满意，表示将申请复查。"}
INSTRUCTIONS = ["请县住建局牵头，会同属地镇政府于十五日内拿出处理意见。",
                "请县人社局依法处理，确保农民工工资年前发放到位。",
                "请有关部门认真核实，依法依规答复信访人。"]
CATALOGUE = ["信访事项登记表", "来信原件或来访笔录", "受理告知书", "交办单", "调查笔录及证据材料",
             "答复意见书", "送达回证", "回访记录", "结案审批表"]


# ---- people ----------------------------------------------------------------------------------

from services.validation import id_check_char  # noqa: E402


class _People:
    def __init__(self, rng, today):
        self.rng, self.today, self.ids, self.phones = rng, today, set(), set()

    def id_number(self, sex, born):
        while True:
            seq = self.rng.randrange(0, 100) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if sex == "M" else (0, 2, 4, 6, 8))
            first17 = f"{self.rng.choice(AREA_CODES)}{born:%Y%m%d}{seq:03d}"
            value = first17 + id_check_char(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def phone(self):
        while True:
            value = "1" + self.rng.choice(("38", "39", "50", "51", "58", "59", "86", "87", "88", "35",
                                           "36", "77", "80", "89", "33")) + f"{self.rng.randrange(10**8):08d}"
            if value not in self.phones:
                self.phones.add(value)
                return value

    def person(self, with_id=True):
        rng = self.rng
        sex = rng.choice("MF")
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
        born = date(rng.randint(1948, 2002), rng.randint(1, 12), rng.randint(1, 28))
        town = rng.choice(list(TOWNS))
        village = rng.choice(TOWNS[town])
        return PartyInput(
            name=name, sex=sex, ethnicity=rng.choice(ETHNICITIES),
            id_number=self.id_number(sex, born) if with_id else "",
            phone=self.phone(), address=f"示范县{town}{village}{rng.randint(1, 40)}组{rng.randint(1, 99)}号",
            hukou=f"示范县{town}", occupation=rng.choice(OCCUPATIONS))


# ---- the plan of one case ---------------------------------------------------------------------

@dataclass
class _Plan:
    status: str
    received_on: date
    channel: str
    purpose: str
    category: str
    story: tuple
    petitioners: list
    representatives: list = field(default_factory=list)
    accused: list = field(default_factory=list)
    people_count: int = 1
    anonymous: bool = False
    joint: bool = False
    repeat_group: int | None = None
    flavor: str = ""  # overdue | due_soon | extension | extended | direct | review
    dept: str = ""
    reception: object = None
    leader: object = None
    slots: dict = field(default_factory=dict)


# Status mix per 300 cases (the rest become 'closed').
STATUS_MIX = {
    "registered": 14, "accepted": 12, "declined": 12, "refused_repeat": 4, "forwarded": 14,
    "assigned": 14, "handling": 46, "replied": 20, "closing": 12, "closed": 0, "archived": 62,
    "voided": 4,
}
CATEGORY_WEIGHTS = {
    "城乡建设": 15, "拆迁安置": 11, "劳动社保": 17, "土地征收": 10, "教育": 7, "卫生": 6, "企业改制": 4,
    "涉法涉诉": 5, "农村农业": 7, "生态环境": 5, "交通运输": 3, "民政": 4, "其他": 3,
}
CATEGORY_DEPTS = {
    "城乡建设": ["县住房和城乡建设局", "县住房和城乡建设局", "县城市管理综合执法大队"],
    "拆迁安置": ["县住房和城乡建设局", "县住房和城乡建设局", "城关镇人民政府"],
    "劳动社保": ["县人力资源和社会保障局", "县人力资源和社会保障局", "县劳动保障监察大队"],
    "企业改制": ["县人力资源和社会保障局"],
    "土地征收": ["县自然资源局", "县自然资源局", "河口镇人民政府"],
    "教育": ["县教育局"], "卫生": ["县卫生健康委员会"],
    "农村农业": ["城关镇人民政府", "河口镇人民政府"], "生态环境": ["县城市管理综合执法大队", "河口镇人民政府"],
    "交通运输": ["县住房和城乡建设局", "河口镇人民政府"], "民政": ["城关镇人民政府", "河口镇人民政府"],
    "其他": ["城关镇人民政府", "县城市管理综合执法大队"], "涉法涉诉": ["县信访局"], "纪检监察": ["县纪委监委"],
}
# Statuses a status implies, in order (how far the case has come).
PATH = ["registered", "accepted", "assigned", "handling", "replied", "closing", "closed", "archived"]

DEPARTMENTS = [
    # name, kind, parent, code
    ("示范县人民政府", "unit", None, "GOV"),
    ("县信访局", "office", "示范县人民政府", "XFJ"),
    ("县纪委监委", "discipline", "示范县人民政府", "JW"),
    ("县住房和城乡建设局", "unit", "示范县人民政府", "ZJ"),
    ("县城市管理综合执法大队", "unit", "县住房和城乡建设局", "CGZF"),
    ("县人力资源和社会保障局", "unit", "示范县人民政府", "RS"),
    ("县劳动保障监察大队", "unit", "县人力资源和社会保障局", "LDJC"),
    ("县自然资源局", "unit", "示范县人民政府", "ZR"),
    ("县教育局", "unit", "示范县人民政府", "JY"),
    ("县卫生健康委员会", "unit", "示范县人民政府", "WJ"),
    ("城关镇人民政府", "unit", "示范县人民政府", "CGZ"),
    ("河口镇人民政府", "unit", "示范县人民政府", "HKZ"),
]
USERS = [
    # username, full name, role, department, position, rank, portfolio
    ("admin", "系统管理员", "admin", "县信访局", "系统管理员", 100, None),
    ("clerk", "王晓燕", "clerk", "县信访局", "信访干部", 100, None),
    ("leader", "李建国", "leader", "示范县人民政府", "副县长", 2, "信访、住建"),
    ("leader2", "张明远", "leader", "示范县人民政府", "县长", 1, "政府全面工作"),
    ("leader3", "陈海峰", "leader", "县信访局", "局长", 3, "信访工作"),
    ("archivist", "赵丽", "archivist", "县信访局", "档案员", 100, None),
    ("handler1", "刘强", "handler", "县住房和城乡建设局", "信访联络员", 100, None),
    ("handler2", "孙倩", "handler", "县人力资源和社会保障局", "信访联络员", 100, None),
    ("handler3", "周正", "handler", "县纪委监委", "信访室干部", 100, None),
]
DEMO_PASSWORD = "demo1234"


def build_demo_office(session, cases=300, today=None):
    """Build the demo office into `session` (the caller commits); returns a dict of counts.

    Deterministic (random.Random(2026)); every case goes through register_case, then its history
    is written as a real office would have left it. Dates are "as of" `today`.
    """
    today = today or clock.today()
    saved = clock._frozen_today
    clock.freeze_today(today)  # register_case checks received dates and birth dates against it
    try:
        return _Builder(session, cases, today).build()
    finally:
        clock.freeze_today(saved)


def _ts(day, hour, minute=0):
    """An office-local time on `day` as the naive UTC timestamp the database keeps."""
    return datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=8)


class _Builder:
    def __init__(self, session, cases, today):
        self.s, self.n, self.today = session, cases, today
        self.rng = random.Random(2026)
        self.people = _People(self.rng, today)
        self.plans = []
        self.last_at = {}

    # ---- small helpers ----
    def after(self, base, lo, hi):
        n = self.rng.randint(lo, hi)
        return self.cal.add(base, n, "working") if n else self.cal.roll_forward(base)

    def workday_on_or_before(self, d):
        while not self.cal.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def event(self, case, action, day, actor, frm=None, to=None, note="", hour=None, **kw):
        hour = hour if hour is not None else self.rng.randint(9, 16)
        at = _ts(day, hour, self.rng.randint(0, 59))
        last = self.last_at.get(id(case)) or case.registered_at
        if last is not None and at <= last and day == (last + timedelta(hours=8)).date():
            # same-day moves keep their order
            at = last + timedelta(minutes=self.rng.randint(10, 90))
        self.last_at[id(case)] = at
        ev = CaseEvent(case=case, action=action, at=at,
                       actor_id=actor.id if actor else None, from_status=frm, to_status=to,
                       note=note, data=kw.pop("data", {}), **kw)
        self.s.add(ev)
        return ev

    def slots(self, town=None):
        rng = self.rng
        town = town or rng.choice(list(TOWNS))
        village = rng.choice(TOWNS[town])
        return {
            "town": town, "village": village, "place": f"{town}{village}",
            "company": rng.choice(COMPANIES), "estate": rng.choice(ESTATES), "school": rng.choice(SCHOOLS),
            "hospital": rng.choice(HOSPITALS), "road": rng.choice(ROADS), "project": rng.choice(PROJECTS),
            "year": rng.randint(2015, 2024), "months": rng.randint(2, 14), "amount": rng.randint(3, 120),
            "n": rng.randint(5, 40), "mu": rng.randint(2, 18), "diff": rng.choice(["0.8", "1.2", "1.5", "2.3"]),
            "years": rng.randint(3, 21),
            "accused": rng.choice(SURNAMES) + rng.choice(GIVEN_M + GIVEN_F),
        }

    # ---- the office ----
    def build(self):
        s = self.s
        # Held here so the identity map keeps them: settings.get() then needs no query per case.
        self.setting_rows = []
        for key, value in settings.DEFAULTS.items():
            row = s.get(Setting, key)
            if row is None:
                row = Setting(key=key, value=value)
                s.add(row)
            self.setting_rows.append(row)
        holidays_added = 0
        if s.execute(select(func.count()).select_from(Holiday)).scalar() == 0:
            holidays_added = deadlines.seed_holidays(s, range(self.today.year - 1, self.today.year + 2))
        self.depts = {}
        for i, (name, kind, parent, code) in enumerate(DEPARTMENTS):
            dept = Department(name=name, kind=kind, code=code, sort_order=i,
                              parent=self.depts.get(parent), phone=f"0394-52{self.rng.randint(10000, 99999)}")
            s.add(dept)
            self.depts[name] = dept
        pw_hash = generate_password_hash(DEMO_PASSWORD, method=org_models.PASSWORD_METHOD)
        self.users = {}
        for username, full_name, role, dept, position, rank, portfolio in USERS:
            user = User(username=username, full_name=full_name, role=role, department=self.depts[dept],
                        position=position, rank_order=rank, portfolio=portfolio, password_hash=pw_hash,
                        phone=self.people.phone())
            s.add(user)
            self.users[username] = user
        s.flush()
        self.cal = deadlines.load_calendar(s)
        self.handler_of = {}
        for dept in self.depts.values():
            d = dept
            while d is not None and dept.name not in self.handler_of:
                for u in self.users.values():
                    if u.role == "handler" and u.department_id == d.id:
                        self.handler_of[dept.name] = u
                d = d.parent

        self.receptions = self.build_receptions()
        self.plan_cases()
        self.plans.sort(key=lambda p: p.received_on)
        clerk = self.users["clerk"]
        for plan in self.plans:
            data = RegistrationInput(
                channel=plan.channel, received_on=plan.received_on, purpose=plan.purpose,
                category=plan.category, summary=plan.story[0], demands=plan.story[1],
                incident_place=plan.slots["place"], people_count=plan.people_count,
                source=plan.source, source_doc_no=plan.source_doc_no, source_deadline=plan.source_deadline,
                is_skip_level=plan.skip_level, is_joint=plan.joint, is_anonymous=plan.anonymous,
                is_litigation=plan.category == "涉法涉诉", is_urgent=plan.urgent, is_extreme=plan.extreme,
                petitioners=plan.petitioners, representatives=plan.representatives, accused=plan.accused,
                reception_id=plan.reception.id if plan.reception else None,
                leader_id=plan.leader.id if plan.leader else None,
                leader_instruction=plan.instruction,
                registered_at=_ts(plan.received_on, self.rng.randint(8, 11), self.rng.randint(0, 59)),
            )
            plan.case = register_case(s, clerk, data, check_role=False, calendar=self.cal)
            self.advance(plan)
        packages = self.build_packages()
        records = self.build_archive()
        s.flush()
        counts = {
            "departments": len(self.depts), "users": len(self.users), "cases": len(self.plans),
            "parties": s.execute(select(func.count()).select_from(Party)).scalar(),
            "events": s.execute(select(func.count()).select_from(CaseEvent)).scalar(),
            "receptions": len(self.receptions), "packages": packages, "archive_records": records,
            "holidays_added": holidays_added,
        }
        by_status = {}
        for plan in self.plans:
            by_status[plan.status] = by_status.get(plan.status, 0) + 1
        counts["by_status"] = by_status
        return counts

    def build_receptions(self):
        today = self.today
        leaders = sorted((u for u in self.users.values() if u.role == "leader"), key=lambda u: u.rank_order)
        first = today.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        end = (nxt + timedelta(days=32)).replace(day=1)
        rows, d, turn = [], first, 0
        clerk = self.users["clerk"]
        while d < end:
            if d.weekday() in (1, 3) and d not in self.cal.holidays:
                leader = leaders[turn % len(leaders)]
                standin = leaders[(turn + 1) % len(leaders)]
                turn += 1
                past = d < today
                row = ReceptionSchedule(
                    day=d, slot="am", place="县信访局一楼接待大厅", leader=leader,
                    portfolio=leader.portfolio or "", standin=standin,
                    status="received" if past else "planned", published=True)
                self.s.add(row)
                self.s.add(ReceptionEvent(schedule=row, actor_id=clerk.id, action="generate",
                                          at=_ts(first - timedelta(days=5), 10),
                                          note="按每周二、周四上午领导轮流接待的规则生成"))
                rows.append(row)
            d += timedelta(days=1)
        self.s.flush()
        return rows

    # ---- planning ----
    def status_pool(self, total):
        scale = total / 300
        pool = {s: max(1, round(w * scale)) if w else 0 for s, w in STATUS_MIX.items()}
        pool["closed"] = max(1, total - sum(pool.values()))
        return pool

    def take(self, pool, prefs):
        prefs = [p for p in prefs if pool.get(p, 0) > 0]
        if not prefs:
            prefs = [s for s, n in pool.items() if n > 0] or ["closed"]
        st = self.rng.choice(prefs)
        pool[st] = pool.get(st, 0) - 1
        return st

    def new_plan(self, status, category, purpose="request", story=None, channel=None, petitioners=None,
                 town=None, flavor=""):
        rng = self.rng
        slots = self.slots(town)
        if story is None:
            story = rng.choice(STORIES[category])
        if channel is None:
            channel = rng.choices(["letter", "visit", "phone", "online", "email", "fax"],
                                  [25, 22, 10, 33, 6, 4])[0]
        plan = _Plan(status=status, received_on=self.today, channel=channel, purpose=purpose,
                     category=category, story=story, flavor=flavor, slots=slots,
                     petitioners=petitioners if petitioners is not None else [self.people.person(
                         with_id=channel != "phone" or rng.random() < 0.5)])
        plan.source, plan.source_doc_no, plan.source_deadline = "own", "", None
        plan.skip_level = channel == "visit" and rng.random() < 0.08
        plan.joint = plan.urgent = plan.extreme = plan.anonymous = False
        plan.instruction = ""
        plan.raw_story = story
        self.plans.append(plan)
        return plan

    def plan_cases(self):
        rng, pool = self.rng, None
        reception_plans = self.plan_reception_cases()
        total = self.n - len(reception_plans) - 2  # two review cases are planned at the end
        pool = self.status_pool(max(total, 20))
        cats = list(CATEGORY_WEIGHTS)
        weights = list(CATEGORY_WEIGHTS.values())

        def general_cat():
            return rng.choices(cats, weights)[0]

        # ~15 repeat petitioners with 2-4 cases each about the same matter.
        self.repeat_groups = []
        for g in range(max(2, round(15 * total / 300))):
            person = self.people.person(with_id=g not in (3, 9))
            category = rng.choice(["城乡建设", "拆迁安置", "劳动社保", "土地征收", "企业改制", "民政"])
            story = rng.choice(STORIES[category])
            k = rng.choice((2, 2, 3, 3, 4))
            statuses = [self.take(pool, ["closed", "archived", "archived"])]
            for _ in range(k - 2):
                statuses.append(self.take(pool, ["closed", "declined", "forwarded", "replied"]))
            statuses.append(self.take(pool, ["refused_repeat", "refused_repeat", "handling", "registered",
                                             "accepted", "assigned"]))
            town = rng.choice(list(TOWNS))
            group = []
            for i, st in enumerate(statuses):
                plan = self.new_plan(st, category, story=story, petitioners=[person], town=town)
                plan.repeat_group = g
                if i:
                    plan.slots = group[0].slots
                group.append(plan)
            self.repeat_groups.append(group)

        # ~10 collective visits with 1-5 representatives.
        for _ in range(max(1, round(10 * total / 300))):
            category = rng.choice(["劳动社保", "拆迁安置", "土地征收", "城乡建设", "企业改制"])
            st = self.take(pool, ["handling", "closed", "archived", "replied", "assigned", "accepted",
                                  "registered", "closing"])
            reps = [self.people.person() for _ in range(rng.randint(1, 5))]
            plan = self.new_plan(st, category, channel="visit", petitioners=reps[:1])
            plan.representatives = reps
            plan.people_count = rng.choice([5, 6, 8, 12, 15, 20, 28, 35, 60])
            plan.slots["n"] = plan.people_count
            plan.urgent = plan.people_count >= 30

        # Accusations (检举控告类) go to the discipline department; a few are anonymous.
        for i in range(max(2, round(26 * total / 300))):
            st = self.take(pool, ["handling", "assigned", "replied", "closed", "archived", "accepted",
                                  "registered", "closing", "handling", "archived"])
            anonymous = i % 5 == 0
            plan = self.new_plan(st, "纪检监察", purpose="accusation", story=rng.choice(ACCUSATIONS),
                                 channel=rng.choice(["letter", "online", "letter", "visit"]) if not anonymous
                                 else rng.choice(["letter", "online"]),
                                 petitioners=[] if anonymous else None)
            plan.anonymous = anonymous
            plan.accused = [PartyInput(name=plan.slots["accused"], sex=rng.choice("MF"),
                                       occupation=f"{plan.slots['place']}干部",
                                       address=f"示范县{plan.slots['place']}")]

        # Suggestions the office answers itself.
        for _ in range(max(1, round(10 * total / 300))):
            st = self.take(pool, ["closed", "archived", "replied", "archived"])
            summary, demands, reply, category = rng.choice(SUGGESTIONS)
            self.new_plan(st, category, purpose="suggestion", story=(summary, demands, reply),
                          channel=rng.choice(["online", "letter", "email"]), flavor="direct")

        # Litigation-related requests: pointed to their legal channel (诉访分离).
        for _ in range(max(1, round(6 * total / 300))):
            st = self.take(pool, ["forwarded", "declined"])
            self.new_plan(st, "涉法涉诉")

        # Joint letters.
        for _ in range(max(1, round(6 * total / 300))):
            st = self.take(pool, ["handling", "closed", "archived", "replied"])
            category = general_cat() if rng.random() < 0.5 else "城乡建设"
            if category == "涉法涉诉":
                category = "城乡建设"
            people = [self.people.person() for _ in range(rng.randint(2, 3))]
            plan = self.new_plan(st, category, channel="letter", petitioners=people)
            plan.joint = True
            plan.people_count = len(people)

        # Everything else.
        while sum(max(0, v) for v in pool.values()) > 0:
            st = self.take(pool, [s for s, v in pool.items() if v > 0])
            category = general_cat()
            if category == "涉法涉诉" and st not in ("forwarded", "declined", "registered"):
                category = "其他"
            self.new_plan(st, category)

        # Flavours of the open cases: overdue, due soon, extension requests, one extended.
        handling = [p for p in self.plans if p.status == "handling" and p.repeat_group is None
                    and p.purpose == "request"]
        rng.shuffle(handling)
        flavors = (["overdue"] * 10 + ["due_soon"] * 5 + ["extension"] * 2 + ["extended"])
        for plan, flavor in zip(handling, flavors):
            plan.flavor = flavor
        late = [p for p in self.plans if p.status == "registered" and p.repeat_group is None]
        if late:
            late[0].flavor = "late"
        # Handed down by a higher body (市信访局交办).
        done = [p for p in self.plans if p.status in ("closed", "archived", "replied") and not p.flavor
                and p.purpose == "request"]
        for plan in done[:8]:
            plan.source = "higher"
            plan.source_doc_no = f"市信交〔{self.today.year - 1}〕{rng.randint(10, 300)}号"
        for plan in self.plans:
            self.place_in_time(plan)
        for group in self.repeat_groups:
            group.sort(key=lambda p: p.received_on)
            for plan in group[1:]:
                plan.story = ("信访人再次反映：" + plan.story[0],) + tuple(plan.story[1:])
        for plan in done[:8]:
            plan.source_doc_no = f"市信交〔{plan.received_on.year}〕{rng.randint(10, 300)}号"
            plan.source_deadline = plan.received_on + timedelta(days=60)
        for plan in self.plans:
            self.fill_story(plan)
            plan.dept = self.choose_dept(plan)
        for group in self.repeat_groups:
            for plan in group[1:]:
                plan.dept = group[0].dept
        extreme = [p for p in self.plans if p.channel == "visit" and p.status in ("handling", "assigned")]
        for plan in extreme[:2]:
            plan.extreme = True
            plan.story = (plan.story[0] + "信访人情绪激动，扬言问题再得不到解决就到市里、省里上访。",
                          plan.story[1], plan.story[2])
        self.plan_reviews()
        self.plans.extend(reception_plans)

    def plan_reception_cases(self):
        plans = []
        past = [r for r in self.receptions if r.day < self.today]
        for sched in past[-5:]:
            age = (self.today - sched.day).days
            status = "accepted" if age <= 3 else "assigned" if age <= 8 else "handling"
            category = self.rng.choice(["城乡建设", "劳动社保", "拆迁安置"])
            plan = self.new_plan(status, category, channel="reception")
            self.plans.remove(plan)
            plan.reception, plan.leader = sched, sched.leader
            plan.instruction = {"城乡建设": INSTRUCTIONS[0], "拆迁安置": INSTRUCTIONS[0],
                                "劳动社保": INSTRUCTIONS[1]}[category]
            plan.received_on = sched.day
            plan.dates = self.clamp(self.chain(plan, sched.day))
            self.fill_story(plan)
            plan.dept = self.choose_dept(plan)
            plans.append(plan)
        return plans

    def fill_story(self, plan):
        summary, demands, reply = plan.story
        plan.story = tuple(t.format(**plan.slots) for t in (summary, demands, reply))

    def plan_reviews(self):
        """Two 复查 cases: petitioners who disagreed with a recent reply."""
        parents = [p for p in self.plans if p.status in ("closed", "replied") and p.petitioners
                   and p.flavor != "direct" and p.repeat_group is None and not p.anonymous
                   and self.today - timedelta(days=110) <= p.dates["replied"] <= self.today - timedelta(days=15)]
        parents.sort(key=lambda p: p.dates["replied"], reverse=True)
        for parent, status in zip(parents[:2], ("accepted", "assigned")):
            parent.review_child = True
            received = self.workday_on_or_before(
                min(parent.dates["replied"] + timedelta(days=self.rng.randint(5, 20)), self.today))
            plan = _Plan(status=status, received_on=received, channel="letter", purpose=parent.purpose,
                         category=parent.category, petitioners=parent.petitioners, slots=parent.slots,
                         story=("信访人不服" + parent.dept + "作出的答复意见，申请复查。原事项："
                                + parent.story[0], "要求撤销原答复意见，重新处理。", ""),
                         flavor="review")
            plan.source, plan.source_doc_no, plan.source_deadline = "own", "", None
            plan.skip_level = plan.joint = plan.urgent = plan.extreme = plan.anonymous = False
            plan.instruction = ""
            plan.parent = parent
            plan.dept = "示范县人民政府"
            plan.dates = {"received": received, "accepted": self.after(received, 1, 3)}
            if status == "assigned":
                plan.dates["assigned"] = self.after(plan.dates["accepted"], 0, 1)
            self.clamp(plan.dates)
            self.plans.append(plan)

    WINDOWS = {"registered": (0, 12), "accepted": (3, 20), "assigned": (5, 25), "handling": (12, 50),
               "replied": (50, 110), "closing": (80, 160), "closed": (100, 364), "archived": (130, 364),
               "declined": (3, 364), "forwarded": (3, 364), "refused_repeat": (3, 60), "voided": (3, 364)}

    def place_in_time(self, plan):
        rng, today = self.rng, self.today
        flavor = plan.flavor
        if flavor in ("overdue", "due_soon", "extension", "extended"):
            accepted = self.pick_accepted(flavor)
            received = self.workday_on_or_before(accepted - timedelta(days=rng.randint(1, 5)))
            plan.received_on = received
            plan.dates = self.chain(plan, received, accepted=accepted)
            return
        lo, hi = (16, 25) if flavor == "late" else self.WINDOWS[plan.status]
        for _ in range(30):
            received = today - timedelta(days=rng.randint(lo, hi))
            if plan.channel not in ("online", "email"):
                received = self.workday_on_or_before(received)
            dates = self.chain(plan, received)
            if max(dates.values()) <= today:
                break
        plan.received_on = received
        plan.dates = self.clamp(dates)

    def clamp(self, dates):
        for key, value in dates.items():
            if isinstance(value, date) and value > self.today:
                dates[key] = self.today
        return dates

    def pick_accepted(self, flavor):
        today, rng = self.today, self.rng
        cutoff = deadlines.due_soon_cutoff(self.cal, today)
        for _ in range(200):
            if flavor == "overdue":
                accepted = today - timedelta(days=60 + rng.randint(3, 40))
                ok = lambda due: due < today  # noqa: E731
            elif flavor == "due_soon":
                accepted = today - timedelta(days=rng.randint(55, 60))
                ok = lambda due: today <= due <= cutoff  # noqa: E731
            elif flavor == "extension":
                accepted = today - timedelta(days=rng.randint(44, 50))
                ok = lambda due: due > cutoff  # noqa: E731
            else:  # extended: the base due date passed, the approved extension still runs
                accepted = today - timedelta(days=rng.randint(66, 74))
                ok = lambda due: due < today  # noqa: E731
            accepted = self.workday_on_or_before(accepted)
            if ok(self.cal.add(accepted, deadlines.HANDLE_DAYS)):
                return accepted
        return today - timedelta(days=70)

    def chain(self, plan, received, accepted=None):
        """The dates of a case's history up to its status."""
        st, A = plan.status, self.after
        d = {"received": received}
        if st == "registered":
            return d
        if st == "voided":
            d["voided"] = A(received, 0, 3)
            return d
        if st in ("declined", "refused_repeat", "forwarded"):
            d["decided"] = A(received, 1, 8)
            return d
        d["accepted"] = accepted or A(received, 1, 5)
        if st == "accepted":
            return d
        if plan.flavor == "direct":
            d["replied"] = A(d["accepted"], 5, 20)
        else:
            d["assigned"] = A(d["accepted"], 0, 2)
            if st == "assigned":
                return d
            d["signed"] = A(d["assigned"], 0, 2)
            if st == "handling":
                return d
            d["replied"] = A(d["signed"], 10, 35)
        if st == "replied":
            return d
        d["followed"] = A(d["replied"], 1, 6)
        d["close_req"] = A(d["followed"], 0, 3)
        if st == "closing":
            return d
        d["closed"] = A(d["close_req"], 1, 5)
        if st == "closed":
            return d
        d["archived"] = A(d["closed"], 5, 20)
        return d

    def choose_dept(self, plan):
        if plan.flavor == "direct":
            return "县信访局"
        if plan.purpose == "accusation":
            return "县纪委监委"
        return self.rng.choice(CATEGORY_DEPTS[plan.category])

    # ---- history ----
    def advance(self, plan):
        """Write the history a real office would have left for this case up to its status."""
        s, rng, case, d = self.s, self.rng, plan.case, plan.dates
        u = self.users
        clerk, archivist = u["clerk"], u["archivist"]
        dept = self.depts[plan.dept]
        handler = self.handler_of.get(plan.dept)
        office_note = "" if handler else "（承办单位线下办理，信访办代为录入）"
        worker = handler or clerk
        approver = (u["leader2"] if plan.urgent or plan.people_count >= 5 else
                    u["leader"] if plan.dept in ("县住房和城乡建设局", "县城市管理综合执法大队") else u["leader3"])
        st = plan.status
        if plan.flavor == "review":
            case.is_repeat, case.repeat_of_id = False, None
            case.review_level, case.parent_case_id = 1, plan.parent.case.id
            self.event(plan.parent.case, "review_request", d["received"], clerk,
                       note=f"信访人不服答复意见，申请复查，复查事项编号 {case.number}。")
        if plan.reception is not None:
            self.event(case, "instruction", d["received"], plan.leader, hour=11,
                       note=plan.instruction)

        if st == "voided":
            case.status, case.void_reason = "voided", "同一封来信被重复登记，本条作废。"
            self.event(case, "void", d["voided"], u["admin"], "registered", "voided", note=case.void_reason)
            return
        if st in ("declined", "refused_repeat", "forwarded"):
            case.accept_notice_on = d["decided"]
            if st == "declined":
                case.decision_note = rng.choice(DECLINE_REASONS[:1] if plan.category == "涉法涉诉"
                                                else DECLINE_REASONS)
            elif st == "refused_repeat":
                prev = case.repeat_of
                case.decision_note = (f"信访人就同一事项再次提出，该事项已于{prev.received_on:%Y年%m月%d日}"
                                      f"登记办理（编号 {prev.number}），依据《信访工作条例》第三十五条不再受理。"
                                      if prev else "信访人就已经复核终结的同一事项再次提出，不再受理。")
            else:
                case.forward_to = "县人民法院" if plan.category == "涉法涉诉" else rng.choice(FORWARD_TARGETS)
                case.forward_doc_no = f"示信转〔{d['decided'].year}〕{rng.randint(1, 199)}号"
                case.decision_note = f"该事项属于{case.forward_to}职权范围，已转送并告知信访人。"
            case.status = st
            action = {"declined": "decline", "refused_repeat": "refuse_repeat", "forwarded": "forward"}[st]
            self.event(case, action, d["decided"], clerk, "registered", st, note=case.decision_note,
                       data={"forward_to": case.forward_to} if st == "forwarded" else {})
            self.event(case, "notice", d["decided"], clerk, note="已向信访人送达告知书。")
            return
        if st == "registered":
            return

        # Accepted: the 15-day clock stops, the handling clock starts.
        case.accepted_on = case.accept_notice_on = d["accepted"]
        base = deadlines.handle_due(s, d["accepted"], case.source_deadline, case.review_level, self.cal)
        case.handle_base_due = case.handle_due = base
        case.status = "accepted"
        self.event(case, "accept", d["accepted"], clerk, "registered", "accepted",
                   note="经审查符合受理条件，予以受理。")
        self.event(case, "notice", d["accepted"], clerk, note="已向信访人送达受理告知书。")
        if plan.flavor == "direct":
            case.department_id = dept.id
        if st == "accepted":
            return

        if plan.flavor != "direct":
            case.department_id, case.assigned_on, case.status = dept.id, d["assigned"], "assigned"
            self.event(case, "assign", d["assigned"], clerk, "accepted", "assigned", to_department_id=dept.id,
                       note=f"交{dept.name}办理，请于{base:%Y年%m月%d日}前办结并报送办理结果。")
            if plan.category == "拆迁安置" and rng.random() < 0.4 and dept.name != "城关镇人民政府":
                s.add(CaseAssist(case=case, department_id=self.depts["城关镇人民政府"].id))
            if st == "assigned":
                return
            case.signed_on, case.status = d["signed"], "handling"
            case.handler_id = handler.id if handler else None
            self.event(case, "sign_for", d["signed"], worker, "assigned", "handling",
                       from_department_id=dept.id, to_department_id=dept.id, note="已签收，安排专人调查核实。" + office_note)
            if st == "handling":
                self.open_clock(plan, approver)
                return

        # Replied.
        reply_day = d["replied"]
        case.reply_text = plan.story[2]
        case.replied_on = reply_day
        case.reply_method = rng.choice(["in_person", "in_person", "mail", "phone", "online"])
        case.petitioner_response = rng.choice(["agree", "agree", "none", "disagree"])
        case.receipt_status = "signed" if rng.random() < 0.9 else "refused"
        case.handling_report = f"{dept.name}已调查核实并作出答复，答复意见已送达信访人。"
        if getattr(plan, "review_child", False):
            case.petitioner_response = "disagree"
        frm = "accepted" if plan.flavor == "direct" else "handling"
        case.status = "replied"
        self.event(case, "reply", reply_day, clerk if plan.flavor == "direct" else worker, frm, "replied",
                   note="答复意见已送达信访人。" + ("" if plan.flavor == "direct" else office_note),
                   data={"method": case.reply_method})
        if st == "replied":
            return

        case.follow_up_on = d["followed"]
        case.satisfaction = ("unsatisfied" if getattr(plan, "review_child", False) or case.petitioner_response == "disagree"
                             else rng.choice(["satisfied", "satisfied", "satisfied", "basic"]))
        case.follow_up_note = FOLLOW_UP_NOTES[case.satisfaction]
        self.event(case, "follow_up", d["followed"], clerk, "replied", "replied", note=case.follow_up_note)
        case.close_requested_on, case.status = d["close_req"], "closing"
        self.event(case, "close_request", d["close_req"], clerk, "replied", "closing",
                   note="答复意见、送达回证、办结报告齐全，提请结案。")
        if st == "closing":
            return
        case.closed_on, case.close_approved_by_id, case.status = d["closed"], approver.id, "closed"
        self.event(case, "close_approve", d["closed"], approver, "closing", "closed", note="同意结案。")
        if st == "closed":
            return
        case.archived_on, case.status = d["archived"], "archived"
        self.event(case, "archive", d["archived"], archivist, "closed", "archived", note="已立卷归档。")

    def open_clock(self, plan, approver):
        """Supervision, extension requests and the approved extension of a case in handling."""
        case, d, clerk = plan.case, plan.dates, self.users["clerk"]
        handler = self.handler_of.get(plan.dept) or clerk
        if plan.flavor == "overdue":
            day = self.workday_on_or_before(min(self.today, case.handle_due + timedelta(days=2)))
            self.event(case, "supervise", day, clerk, "handling", "handling",
                       note=self.rng.choice(SUPERVISE_NOTES), data={"method": "phone"})
        elif plan.flavor == "extension":
            case.extension_state, case.extension_days = "pending", 30
            case.extension_reason = self.rng.choice(EXTENSION_REASONS)
            self.event(case, "extend_request", self.workday_on_or_before(self.today - timedelta(days=1)),
                       handler, "handling", "handling", note=case.extension_reason, data={"days": 30})
        elif plan.flavor == "extended":
            base = case.handle_base_due
            case.extension_state, case.extension_days, case.extension_used = "approved", 30, True
            case.extension_reason = self.rng.choice(EXTENSION_REASONS)
            case.handle_due = deadlines.extended_due(self.s, base, 30, self.cal)
            self.event(case, "extend_request", self.workday_on_or_before(base - timedelta(days=7)), handler,
                       "handling", "handling", note=case.extension_reason, data={"days": 30})
            self.event(case, "extend_approve", self.workday_on_or_before(base - timedelta(days=4)),
                       approver, "handling", "handling",
                       note=f"同意延期30日，新的办理期限为{case.handle_due:%Y年%m月%d日}，请告知信访人延期理由。",
                       data={"days": 30})

    # ---- packages and archives ----
    def build_packages(self):
        rng, s, u = self.rng, self.s, self.users
        groups = sorted(self.repeat_groups, key=lambda g: -len(g))[:3]
        leaders = [u["leader"], u["leader2"], u["leader3"]]
        made = 0
        for i, (group, leader) in enumerate(zip(groups, leaders)):
            first = group[0]
            person = first.petitioners[0]
            dept_name = group[-1].dept
            handler = self.handler_of.get(dept_name)
            start = self.workday_on_or_before(max(p.received_on for p in group) + timedelta(days=3))
            start = min(start, self.today - timedelta(days=10))
            finished = i == 2
            pkg = PackageAssignment(
                title=f"{person.name}反映{first.category}问题包案化解",
                leader_id=leader.id, department_id=self.depts[dept_name].id,
                responsible_person=handler.full_name if handler else f"{dept_name}分管负责人",
                deadline=start + timedelta(days=60 if not finished else 45),
                plan=(f"一是由{leader.full_name}同志牵头，{dept_name}具体负责，全面梳理信访人历次反映的问题；"
                      "二是逐项核实诉求，合理合法的限期解决，不合理的做好解释疏导；"
                      "三是每半月向包案领导报告一次进展，化解前保持与信访人的联系。"),
                status="finished" if finished else "active", accepted_on=start,
                created_by_id=u["clerk"].id, created_at=_ts(start, 10),
            )
            if finished:
                pkg.outcome = rng.choice(["resolved", "stopped"])
                pkg.outcome_note = "信访人合理诉求已解决，签订息诉罢访承诺书。"
                pkg.finished_on = min(self.today, start + timedelta(days=40))
            pkg.cases = [p.case for p in group]
            steps = ["包案领导带队上门走访信访人，听取诉求，明确化解思路。",
                     "召开专题协调会，责任单位汇报核查情况，研究解决办法。",
                     "与信访人面谈，就解决方案达成初步一致，落实工作正在推进。"]
            for k in range(rng.randint(1, 3)):
                on = min(self.today, start + timedelta(days=7 + 12 * k))
                pkg.progress.append(PackageProgress(on=on, text=steps[k], author_id=leader.id))
            s.add(pkg)
            for p in group:
                self.event(p.case, "package", start, u["clerk"],
                           note=f"列入{leader.full_name}同志包案，责任单位：{dept_name}。")
            made += 1
        return made

    def build_archive(self):
        rng, seq = self.rng, {}
        archived = sorted((p for p in self.plans if p.status == "archived"), key=lambda p: p.dates["archived"])
        for plan in archived:
            case = plan.case
            special = plan.flavor != "direct"
            year = plan.dates["archived"].year
            key = (year, special)
            seq[key] = seq.get(key, 0) + 1
            catalogue = CATALOGUE if special else [c for c in CATALOGUE if c not in ("交办单", "调查笔录及证据材料")]
            self.s.add(ArchiveRecord(
                case=case, archive_number=f"XF-{year}-{'专' if special else '普'}-{seq[key]:04d}",
                volume_type="special" if special else "ordinary",
                retention="permanent" if case.is_collective else "30y" if special else "10y",
                location=f"档案室{rng.choice('AB')}柜{rng.randint(1, 5)}层",
                page_count=rng.randint(12, 60) if special else rng.randint(4, 12),
                catalogue="\n".join(f"{i}. {name}" for i, name in enumerate(catalogue, 1)),
                filed_by_id=self.users["archivist"].id, filed_on=plan.dates["archived"],
                created_at=_ts(plan.dates["archived"], 15),
            ))
        return len(archived)
