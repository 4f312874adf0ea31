"""Name pools of the development data generator (`tracing_data.py`), by origin group.

Each entry is one name: its Latin spellings separated by "/", the most usual first, then
after "=" the name in its own script when the group writes one; "_" stands for a space. Spellings are those the
name really takes in English, French, Italian and Spanish hands; they are data for the
generator only, not rules of the matcher.
"""

from __future__ import annotations

GROUPS: dict[str, dict[str, str]] = {
    "West Africa": {
        "nationality": "GN GN GN ML SN CI GM SL",
        "convention": "family",
        "male": """Mamadou/Mamadu/Mohamadou/Mamadú Ibrahima/Ibrahim/Ibraima Alpha/Alfa
            Ousmane/Usman/Osman Abdoulaye/Abdulai/Abdullahi Boubacar/Aboubacar/Abubakar/Bakary
            Souleymane/Suleiman/Soulemane Amadou/Ahmadou/Amadu Lamine/Alamine/Lamin
            Moussa/Musa/Mousa Sekou/Sékou/Seku Oumar/Umar/Omar Cheick/Cheikh/Sheikh
            Modou/Moodou Lansana/Lansanah Saliou/Saliu Thierno/Tierno Ismaila/Ismail
            Fode/Fodé Karamba Bakary/Bakari Idrissa/Idrisa Aliou/Aliu Issa/Isa""",
        "female": """Fatoumata/Fatumata/Fatimata/Fatou Mariama/Mariam/Maryam Aissatou/Aisatou/Aishatu
            Kadiatou/Kadiatu/Khadija Aminata/Aminatou Hawa/Awa Mariam/Maryam Oumou/Umu
            Binta/Bintou Fanta Ramatoulaye/Ramatulai Djenabou/Jenabu/Zeinab Kadidia/Kadija
            Nene/Néné Adama Safiatou/Safiatu Assetou/Asetu""",
        "family": """Diallo/Jallow/Djalo/Dialo Barry/Bari Bah/Ba Sow/Sowe Camara/Kamara
            Traoré/Traore/Trawally Keita/Keïta/Kaita Koné/Kone/Konneh Touré/Toure/Touray
            Sylla/Silla Cissé/Cisse/Ceesay Coulibaly/Kulibali Diop/Jobe Ndiaye/Njie
            Baldé/Balde/Baldeh Condé/Conde/Kondeh Fofana Sidibé/Sidibe/Sidibeh
            Kanté/Kante/Kanteh Sanogo Doumbia/Dumbuya Jalloh/Diallo Sankoh/Sanko""",
        "places": """Conakry/Konakry/Konakri Labé/Labe Kankan Kindia Mamou Bamako Kayes/Kaies
            Dakar Touba Kolda Abidjan Bouaké/Bouake Banjul Serrekunda/Serekunda Freetown
            Kissidougou/Kissidugu Pita Dalaba""",
    },
    "Horn of Africa": {
        "nationality": "ER ER ER ET ET",
        "convention": "patronymic",
        "nicknames": "Yohannes=Yonas Gebremedhin=Gebre Amanuel=Amanuel Michael=Mikael",
        "male": """Yohannes/Yohanes/Johannes=ዮሃንስ Yonas/Jonas=ዮናስ Tesfay/Tesfaye/Tesfai=ተስፋይ
            Habte/Habtay=ሃብተ Haile/Hayle=ሃይለ Mehari/Mehary=መሓሪ Tekle/Teklay/Tecle=ተኽለ
            Berhe/Berhane/Birhane=በርሀ Kidane/Kidanè=ኪዳነ Mulugeta=ሙሉጌታ Abraham/Abrham=ኣብርሃም
            Dawit/Daoud=ዳዊት Amanuel/Emmanuel=ኣማኑኤል Merhawi/Merhawie=መርሃዊ Aron/Aaron=ኣሮን
            Eyob/Iyob=እዮብ Yemane/Yemani=የማነ Tsegay/Tsegaye/Segai=ፀጋይ Semere/Semre=ሰመረ
            Filmon/Filimon=ፍሊሞን Mikael/Michael=ሚካኤል Gebremedhin/Gebremedin=ገብረመድህን
            Weldu/Woldu/Wolde=ወልዱ Kibrom/Kibreab=ክብሮም Natnael/Nathanael=ናትናኤል Robel=ሮቤል""",
        "female": """Senait/Senayt=ሰናይት Selam/Salam=ሰላም Helen/Hellen=ሄለን Saba=ሳባ Lula=ሉላ
            Ruta/Routa=ሩታ Elsa=ኤልሳ Feven/Fiven=ፌቨን Mebrat/Mebrahtu=መብራት Hiwet/Hiwot=ሕይወት
            Yordanos/Yordanose=ዮርዳኖስ Winta/Wintana=ዊንታ Almaz/Almas=ኣልማዝ Tsega/Tsegga=ፀጋ
            Rahel/Rachel=ራሄል Meron=ሜሮን Samrawit/Samrawet=ሳምራዊት Freweyni/Freweini=ፍረወይኒ""",
        "places": """Asmara/Asmera=ኣስመራ Keren/Kerem=ከረን Mendefera/Mendefra=መንደፈራ
            Adi_Keyh/Adi_Keih=ዓዲ_ቐይሕ Dekemhare/Dekamhare=ደቀምሓረ Massawa/Mitsiwa=ምጽዋዕ
            Mekelle/Mekele=መቐለ Adigrat/Addigrat=ዓዲግራት Shire/Shiré=ሽረ Axum/Aksum=ኣኽሱም""",
    },
    "Afghanistan": {
        "nationality": "AF",
        "convention": "afghan",
        "male": """Ahmad/Ahmed=احمد Mohammad/Muhammad/Mohammed/Mohamad=محمد Ali/Aly=علی
            Hamid/Hameed=حمید Farid/Fareed=فرید Zabiullah/Zabihullah/Zabih_Ullah=ذبیح_الله
            Rahmatullah/Rahmatulla/Rahmat_Ullah=رحمت_الله Ghulam/Gholam/Golam=غلام
            Sayed/Sayyid/Seyed/Said=سید Noorullah/Nurullah/Nur_Ullah=نورالله
            Habibullah/Habiballah=حبیب_الله Jawad/Javad=جواد Mustafa/Mostafa=مصطفی
            Naveed/Navid=نوید Bilal/Belal=بلال Hasibullah/Haseebullah=حسیب_الله
            Samiullah/Sami_Ullah=سمیع_الله Wahid/Waheed=وحید Omid/Umid=امید Rashid/Rasheed=رشید
            Karim/Kareem=کریم Mansoor/Mansur=منصور Idris/Edris=ادریس Shafiq/Shafique=شفیق""",
        "female": """Fatima/Fatema/Fatemeh=فاطمه Zahra/Zahraa=زهرا Maryam/Mariam=مریم
            Shabnam/Shabnum=شبنم Malalai/Malalay=ملالی Fereshta/Fereshteh=فرشته
            Nargis/Narges=نرگس Parwin/Parveen=پروین Sediqa/Sadiqa=صدیقه Nilofar/Nilufar=نیلوفر
            Mursal/Morsal=مرسل Khadija/Khadijah=خدیجه Roya/Roia=رویا Laila/Leila=لیلا""",
        "family": """Ahmadzai/Ahmadzay=احمدزی Popal/Popalzai=پوپل Noori/Nouri=نوری
            Karimi/Kareemi=کریمی Rahimi/Raheemi=رحیمی Hakimi/Hakeemi=حکیمی
            Sultani/Soltani=سلطانی Stanikzai/Stanekzai=ستانکزی Safi/Safee=صافی Hotak/Hotaki=هوتک
            Amiri/Ameeri=امیری Hashimi/Hashemi=هاشمی Wardak/Wardag=وردک Sadat/Saadat=سادات""",
        "places": """Kabul/Kaboul=کابل Herat/Hirat=هرات Kandahar/Qandahar=قندهار
            Jalalabad/Jelalabad=جلال_آباد Mazar-i-Sharif/Mazar=مزار_شریف Kunduz/Qunduz=کندز
            Ghazni/Ghazny=غزنی Logar/Lowgar=لوگر Baghlan/Baglan=بغلان Helmand/Hilmand=هلمند""",
    },
    "Syria/Arab": {
        "nationality": "SY SY SY IQ SD PS YE",
        "convention": "arab",
        "male": """Mohamed/Mohammed/Muhammad/Mohamad=محمد Ahmad/Ahmed=أحمد Ali=علي
            Hassan/Hasan=حسن Hussein/Hussain/Husayn=حسين Khaled/Khalid=خالد Omar/Umar=عمر
            Youssef/Yousef/Yusuf/Youcef=يوسف Ibrahim/Ebrahim=إبراهيم Mahmoud/Mahmud=محمود
            Abdul_Rahman/Abdelrahman/Abd_al-Rahman/Abderrahmane=عبد_الرحمن
            Abdullah/Abdallah/Abd_Allah=عبد_الله Mustafa/Moustafa/Mostafa=مصطفى Sami/Samy=سامي
            Tarek/Tariq/Tarik=طارق Karim/Kareem=كريم Bilal/Belal=بلال Hamza/Hamzah=حمزة
            Anas=أنس Qasim/Kassem/Kacem=قاسم Ziad/Ziyad=زياد Majd/Majed=مجد Rami/Ramy=رامي""",
        "female": """Fatima/Fatma/Fatema=فاطمة Aisha/Aicha/Aysha=عائشة Maryam/Mariam/Meriem=مريم
            Zainab/Zeinab/Zaynab=زينب Nour/Noor/Nur=نور Huda/Houda/Hoda=هدى Rania/Ranya=رانيا
            Layla/Leila/Laila=ليلى Sara/Sarah=سارة Rahaf/Rahef=رهف Hala=هلا Yasmin/Yasmine=ياسمين
            Amal=أمل Dima/Deema=ديما Lina/Leena=لينا Rima/Reema=ريما Asma/Asmaa=أسماء""",
        "family": """Al-Hassan/El_Hassan/Alhassan=الحسن Al-Khatib/El_Khatib/Alkhatib=الخطيب
            Haddad/Hadad=حداد Darwish/Darwiche/Derwich=درويش Hamdan/Hamdane=حمدان
            Al-Sheikh/El_Cheikh/Alshaikh=الشيخ Khalil/Khalill=خليل Al-Qasim/El_Kassem=القاسم
            Al-Najjar/El_Najjar/Najjar=النجار Al-Ali/El_Ali=العلي Al-Masri/El_Masri/Masri=المصري
            Al-Ahmad/El_Ahmad=الأحمد Shaheen/Chahine/Shahin=شاهين Mansour/Mansur=منصور
            Al-Hamwi/Hamwi=الحموي Qassab/Kassab=قصاب Al-Halabi/Halabi=الحلبي""",
        "places": """Aleppo/Halab/Alep=حلب Damascus/Dimashq/Damas=دمشق Homs/Hims=حمص
            Hama/Hamah=حماة Idlib/Idleb=إدلب Deir_ez-Zor/Deir_Ezzor=دير_الزور Daraa/Deraa=درعا
            Raqqa/Rakka=الرقة Mosul/Mossoul=الموصل Khartoum/Khartum=الخرطوم Gaza/Ghazza=غزة""",
    },
    "Central America": {
        "nationality": "GT GT HN HN SV",
        "convention": "spanish",
        "male": """José/Jose Luis Carlos Juan Francisco Jesús/Jesus Miguel Ángel/Angel Manuel
            Antonio Jorge Mario Pedro Roberto Alejandro Ignacio Enrique Guillermo Kevin
            Brayan/Bryan Wilmer/Wilmar Edwin Erick/Eric Óscar/Oscar Josué/Josue Elmer""",
        "female": """María/Maria Ana Guadalupe Rosa Dolores Rosario Concepción/Concepcion
            Carmen Sofía/Sofia Andrea Daniela Gabriela Fernanda Valeria Yesenia/Yessenia
            Marisol Lucía/Lucia Elena Karla/Carla Heidy/Heidi""",
        "family": """Hernández/Hernandez López/Lopez García/Garcia Martínez/Martinez
            González/Gonzalez Pérez/Perez Rodríguez/Rodriguez Ramírez/Ramirez Flores
            Gutiérrez/Gutierrez/Gutierres Vásquez/Vasquez/Vazquez Morales Reyes Cruz
            Castillo/Castiyo Mejía/Mejia Chávez/Chavez Aguilar Ortiz Mendoza Juárez/Juarez
            Orellana Ayala Sánchez/Sanchez Velásquez/Velasquez""",
        "places": """Guatemala/Guatemala_City Quetzaltenango/Xela Huehuetenango/Huehue
            San_Marcos Tegucigalpa San_Pedro_Sula Choluteca El Progreso San_Salvador
            San_Miguel Santa_Ana Cobán/Coban Escuintla""",
        "nicknames": """José=Pepe Francisco=Paco/Pancho Guadalupe=Lupe Jesús=Chucho/Chuy
            Alejandro=Alex Manuel=Manolo Ignacio=Nacho Enrique=Quique Roberto=Beto
            Guillermo=Memo Dolores=Lola Rosario=Chayo Concepción=Concha""",
    },
    "Vietnam": {
        "nationality": "VN",
        "convention": "vietnam",
        "male": """An/Ân Bình/Binh Cường/Cuong Dũng/Dung Hải/Hai Hùng/Hung Minh Nam Phúc/Phuc
            Quang Sơn/Son Thành/Thanh Tuấn/Tuan Việt/Viet Long Khánh/Khanh Đức/Duc Hiếu/Hieu""",
        "female": """Anh Hoa Hương/Huong Lan Linh Mai Ngọc/Ngoc Phương/Phuong Thảo/Thao
            Trang Vy/Vi Hạnh/Hanh Nhung Yến/Yen""",
        "family": """Nguyễn/Nguyen/Nguyen Trần/Tran Lê/Le Phạm/Pham Hoàng/Hoang Huỳnh/Huynh
            Phan Vũ/Vu Võ/Vo Đặng/Dang Bùi/Bui Đỗ/Do Hồ/Ho Ngô/Ngo""",
        "places": """Nghệ_An/Nghe_An Hà_Tĩnh/Ha_Tinh Hải_Phòng/Hai_Phong Quảng_Bình/Quang_Binh
            Hà_Nội/Hanoi Thanh_Hóa/Thanh_Hoa""",
    },
    "Ukraine": {
        "nationality": "UA",
        "convention": "slavic",
        "male": """Oleksandr/Alexander/Aleksandr=Олександр Dmytro/Dmitry/Dmitri=Дмитро
            Mykola/Nikolai/Mikola=Микола Serhiy/Serhii/Sergei=Сергій Andriy/Andrii/Andrei=Андрій
            Ivan=Іван Maksym/Maxim/Maksim=Максим Artem/Artyom/Artiom=Артем
            Bohdan/Bogdan=Богдан Yaroslav/Iaroslav=Ярослав Denys/Denis=Денис
            Vladyslav/Vladislav=Владислав Mykhailo/Mikhail/Mychajlo=Михайло""",
        "female": """Yuliia/Yulia/Iuliia=Юлія Kateryna/Ekaterina/Katerina=Катерина
            Anastasiia/Anastasia=Анастасія Olena/Elena=Олена Mariia/Maria=Марія
            Sofiia/Sofia=Софія Daryna/Darina=Дарина Viktoriia/Viktoria=Вікторія
            Polina=Поліна Oksana/Oxana=Оксана Iryna/Irina=Ірина Tetiana/Tatiana=Тетяна""",
        "family": """Shevchenko/Chevtchenko/Schewtschenko=Шевченко Kovalenko/Kowalenko=Коваленко
            Bondarenko=Бондаренко Tkachenko/Tkatchenko=Ткаченко Kravchenko/Kravtchenko=Кравченко
            Melnyk/Melnik=Мельник Boyko/Boiko=Бойко Koval/Kowal=Коваль
            Polishchuk/Polichtchouk=Поліщук Lysenko/Lissenko=Лисенко Marchenko=Марченко
            Savchenko/Sawtschenko=Савченко Rudenko=Руденко Moroz=Мороз""",
        "places": """Kharkiv/Kharkov=Харків Kyiv/Kiev=Київ Mariupol/Marioupol=Маріуполь
            Zaporizhzhia/Zaporozhye=Запоріжжя Kherson/Cherson=Херсон Odesa/Odessa=Одеса
            Mykolaiv/Nikolaev=Миколаїв Dnipro/Dnepr=Дніпро""",
        "nicknames": """Oleksandr=Sasha/Sashko Dmytro=Dima Mykola=Kolya Kateryna=Katya
            Anastasiia=Nastya Mariia=Masha Ivan=Vanya Mykhailo=Misha""",
    },
}
