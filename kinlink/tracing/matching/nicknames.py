"""Names that are one name: nicknames, and the forms one name takes in different languages.

Each line is a group; the first word names it. A caseworker's "Pepe" is a mother's "José",
an Italian's "Mamadu" an uncle's "Mohamadou"; a Gambian clerk's "Trawally" a Guinean's
"Traoré" (family names have language forms too). Groups are kept narrow: a name in two groups
would link two different children, so a doubtful pairing is left out and the spelling rules
and the fuzzy comparison do the rest.
"""

from __future__ import annotations

GROUPS = """
muhammad mohamed mohammed mohamad mohammad muhamad mohamud mohamoud mahamat mahamadou
mamadou mamadu mohamadou mouhamadou mamoudou mamadi madou
ahmed ahmad ahmet hamadou amadou amadu ahmadou
mahmoud mahmud mahmood mamoud
abubakar aboubacar boubacar boubakar abubakr bakary abou bakar aboubakar
abdullah abdallah abdoulaye abdulai abdullahi abdoulahi abdala abdulla
usman ousmane osman othman uthman usmane ousman
suleiman souleymane sulaiman soulemane suleyman sulayman solomon salomon
ibrahim ibrahima brahim ebrahim ibrahiim abraham abrham
ismail ismael ismaila ismaila smail
yusuf youssef yousef yousif yusif youcef yousuf
musa moussa mousa moses
isa issa
ali aly
hassan hasan hassane alhassan alhassane
hussein husein hussain husain houssein housseini hussien huseyin
omar umar oumar omer
idris idrissa driss edris
lamine alamine amin amine elamin alamin lamin
alhaji elhadj elhadji alhadji hadji hadj
aisha aicha aissatou aishatu ayesha aysha aichatou
fatima fatoumata fatimata fatuma fatma fanta fatou fatoumatou
maryam mariam mariama meryem mariem miriam
khadija kadiatou khadidja hadiza kadija khadijah
zainab zeinab zaynab zenab
amina aminata aminatou
hawa hawaou awa
yohannes yohanes johannes yonas yohanis johannis yohana
tesfay tesfaye tesfai
gebre gebru ghebre gebray
tekle teklay tecle
berhe berhane birhane brhane
mehari mihret
mikael michael mikiel mickael
amanuel emmanuel emanuel immanuel
dawit dawud daoud dawood daud david
eyob iyob job ayoub ayub
filmon filimon philemon
senait senayt
tsegay tsegaye segai
zabiullah zabihullah zabihollah
noorullah nurullah
sayed sayyid seyed said sayid syed
ghulam gholam golam
jose pepe chepe
francisco paco pancho frank kiko
guadalupe lupe lupita
jesus chucho chuy
alejandro alex alejo
manuel manolo manu
ignacio nacho
enrique quique
roberto beto
guillermo memo
dolores lola
rosario chayo charo
concepcion concha conchita
antonio tono tonio toni
juan juanito
oleksandr aleksandr alexander olexandr oleksander sasha sashko alexandre alessandro
dmytro dmitry dmitri dmitriy dima
mykola nikolai nikolay mikola kolya nicolas nicola
serhiy serhii sergei sergey sergiy sergii
andriy andrii andrei andrey andre andrea
maksym maxim maksim max
yuliia yulia julia iuliia yuliya julie
kateryna ekaterina katerina katya kate catherine
anastasiia anastasia nastya
mariia maria masha marie
olena elena helena olena lena
sofiia sofia sophia sofiya
ivan vanya
william bill billy will
robert bob bobby rob
elizabeth liz beth lisa eliza
traore trawally
cisse ceesay sise
toure touray ture
kone konneh
conde kondeh
keita kaita
""".strip()


def groups() -> list[list[str]]:
    """The groups, each a list of spellings, the group's name first."""
    return [line.split() for line in GROUPS.splitlines() if line.strip()]
