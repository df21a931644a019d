from rest_framework import serializers

from school.models import Member, Organization
from school.models.members import Education, Gender


class OrganizationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    children_count = serializers.IntegerField(source="numchild", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "code", "kind", "kind_display", "depth", "parent", "children_count",
                  "contact_person"]

    def get_parent(self, obj: Organization) -> int | None:
        parents: dict[str, int] = self.context.get("parent_ids", {})
        return parents.get(obj.path[: -obj.steplen]) if obj.depth > 1 else None


class MemberSerializer(serializers.ModelSerializer):
    organization: serializers.PrimaryKeyRelatedField[Organization] = serializers.PrimaryKeyRelatedField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    political_status_display = serializers.CharField(source="get_political_status_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True,
                                      help_text="Always masked.")
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="Always masked.")
    username = serializers.CharField(source="user.username", read_only=True)
    # Optional in the register: "" when unknown (ModelSerializer drops allow_blank on read-only fields).
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True, read_only=True)
    education = serializers.ChoiceField(choices=Education.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Member
        fields = ["id", "username", "name", "organization", "organization_name", "political_status",
                  "political_status_display", "join_date", "gender", "ethnicity", "education", "position",
                  "phone", "id_number", "status", "status_display"]
        read_only_fields = fields
