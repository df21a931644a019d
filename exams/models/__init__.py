from .attempts import Answer, Attempt
from .banks import BankUse, Question, QuestionBank, QuestionType, QuestionVersion, Tag
from .battles import Battle, BattleAnswer, BattleMode, BattlePlayer, BattleTicket
from .certificates import Certificate, CertificateLayout
from .exams import Exam, ExamSection, MultiplePolicy, ReviewPolicy
from .practice import PracticeAnswer, PracticeDay
from .stats import ExamOrgStat, ExamQuestionStat, ExamScoreBucket, ExamStat
from .wrong_answers import WrongAnswer

__all__ = [
    "Answer",
    "Attempt",
    "BankUse",
    "Battle",
    "BattleAnswer",
    "BattleMode",
    "BattlePlayer",
    "BattleTicket",
    "Certificate",
    "CertificateLayout",
    "Exam",
    "ExamOrgStat",
    "ExamQuestionStat",
    "ExamScoreBucket",
    "ExamSection",
    "ExamStat",
    "MultiplePolicy",
    "PracticeAnswer",
    "PracticeDay",
    "Question",
    "QuestionBank",
    "QuestionType",
    "QuestionVersion",
    "ReviewPolicy",
    "Tag",
    "WrongAnswer",
]
